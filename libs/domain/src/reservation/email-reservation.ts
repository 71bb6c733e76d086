import { createHash } from 'node:crypto';
import { listedIn } from '../event-metadata';
import { DomainRefused } from '../domain-refused';

/**
 * Rules L8 and L9: an email address (a sanitised userName, rule L2) belongs to
 * at most one user across all tenants. Each address has its own stream; the
 * event store's expected-revision check on it is what makes concurrent creates
 * and renames race-free, not a look at the read model.
 */

/** How long a reservation whose user does not hold the address yet stays another writer's (a create or rename in flight). */
export const EMAIL_RESERVATION_LEASE_MS = 60_000;

export interface EmailReserved {
  readonly type: 'EmailReserved';
  readonly data: {
    /** The address's digest, never the address. */
    readonly email: string;
    readonly userId: string;
    readonly tenantId: string;
    readonly reservedAt: string;
    /** The holder whose reservation had gone stale (its create or rename never completed). */
    readonly replacedUserId: string | null;
  };
}

/** The holder renamed away or was deleted for good: the address is free again. */
export interface EmailReleased {
  readonly type: 'EmailReleased';
  readonly data: { readonly email: string; readonly userId: string };
}

export type EmailReservationEvent = EmailReserved | EmailReleased;

export const EMAIL_RESERVATION_EVENT_SCHEMA_VERSIONS: Readonly<Record<EmailReservationEvent['type'], number>> = {
  EmailReserved: 1,
  EmailReleased: 1,
};

export function isEmailReservationEvent(event: { type: string }): event is EmailReservationEvent {
  return listedIn(EMAIL_RESERVATION_EVENT_SCHEMA_VERSIONS, event);
}

/**
 * Claims name the address only by its SHA-256: stream ids and claim events
 * are never deleted, so they must hold no personal data (README, "Personal
 * data"); the user's own stream is what says which address it is.
 */
export function addressDigest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface EmailHolder {
  readonly userId: string;
  readonly tenantId: string;
  readonly reservedAt: string;
}

export interface EmailReservationState {
  readonly holder: EmailHolder | null;
}

export const initialEmailReservation: EmailReservationState = { holder: null };

export type EmailReservationCommand =
  | {
      readonly type: 'ReserveEmail';
      readonly data: {
        email: string;
        userId: string;
        tenantId: string;
        now: string;
        /** Fact from the holder's own stream: does that user, as it stands, own the address? */
        holderOwnsIt: boolean;
      };
    }
  | { readonly type: 'ReleaseEmail'; readonly data: { email: string; userId: string } };

export type EmailRefusal =
  /** A live user owns the address: in this tenant, or (rule L8) another one. */
  | 'EmailTaken'
  /** Rule L9: a create or rename holds the address and has not finished; a retry later succeeds. */
  | 'EmailBeingClaimed';

export function decideEmailReservation(command: EmailReservationCommand, state: EmailReservationState): EmailReservationEvent[] {
  switch (command.type) {
    case 'ReserveEmail': {
      const { email, userId, tenantId, now, holderOwnsIt } = command.data;
      const holder = state.holder;
      if (!holder) return [{ type: 'EmailReserved', data: { email, userId, tenantId, reservedAt: now, replacedUserId: null } }];
      if (holder.userId === userId) return [];
      if (holderOwnsIt) throw new DomainRefused('EmailTaken', 'the address belongs to another user (rule L8)', { holder });
      if (isLeased(holder, now)) {
        throw new DomainRefused('EmailBeingClaimed', 'the address is being claimed by another request; retry shortly', { holder });
      }
      return [{ type: 'EmailReserved', data: { email, userId, tenantId, reservedAt: now, replacedUserId: holder.userId } }];
    }
    case 'ReleaseEmail':
      return state.holder?.userId === command.data.userId ? [{ type: 'EmailReleased', data: command.data }] : [];
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolveEmailReservation(state: EmailReservationState, event: EmailReservationEvent): EmailReservationState {
  switch (event.type) {
    case 'EmailReserved':
      return { holder: { userId: event.data.userId, tenantId: event.data.tenantId, reservedAt: event.data.reservedAt } };
    case 'EmailReleased':
      return state.holder?.userId === event.data.userId ? { holder: null } : state;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

export function foldEmailReservation(events: readonly EmailReservationEvent[]): EmailReservationState {
  return events.reduce(evolveEmailReservation, initialEmailReservation);
}

/** Within its lease a reservation stays its writer's even when its user does not own the address yet. */
export function isLeased(holder: EmailHolder, now: string): boolean {
  return Date.parse(now) - Date.parse(holder.reservedAt) < EMAIL_RESERVATION_LEASE_MS;
}
