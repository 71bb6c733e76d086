import {
  ExpiryReminderDays,
  ScimApiCredentialsEntry,
  ScimTokenExpiryReminderDue,
  ScimTokenGenerated,
  ScimTokenRotated,
  ScimTokenUsed,
  TenantEvent,
} from './tenant.events';
import { DAY_MS, instant, queryInstant } from './instants';
import { required, SHA256_HEX } from './tenant-refusal';
import { DomainRefused } from '../domain-refused';
import { CurrentScimToken, Tenant, TenantState } from './tenant.state';

/** Rule T2: a SCIM token is valid 365 days from its creation. */
export const SCIM_TOKEN_VALIDITY_DAYS = 365;
/** Rule T3 decision: reminders 30, 7 and 1 days before expiry. */
export const EXPIRY_REMINDER_DAYS: readonly ExpiryReminderDays[] = [30, 7, 1];

/** Rules T2–T4: the tenant's one SCIM token, its use and its expiry reminders. */
export type ScimTokenCommand =
  /** tokenHash is the SHA-256 (hex) of a token generated outside: the decider never sees it in clear (rule T2). */
  | { readonly type: 'GenerateScimToken'; readonly data: { tokenId: string; tokenHash: string; now: string } }
  | { readonly type: 'RecordScimTokenUse'; readonly data: { tokenId: string; now: string } }
  | { readonly type: 'RecordScimTokenExpiryReminder'; readonly data: { tokenId: string; daysBefore: ExpiryReminderDays; now: string } };

export type ScimTokenEvent = ScimTokenGenerated | ScimTokenRotated | ScimTokenUsed | ScimTokenExpiryReminderDue;

export function decideScimToken(command: ScimTokenCommand, tenant: Tenant): TenantEvent[] {
  switch (command.type) {
    case 'GenerateScimToken':
      return generateScimToken(tenant, command.data);
    case 'RecordScimTokenUse': {
      const token = tenant.scimToken;
      const usedAt = instant(command.data.now);
      if (!token || token.tokenId !== command.data.tokenId || isExpired(token, usedAt)) return [];
      // At most once per UTC day: a use per request would drown the audit trail.
      if (token.lastUsedAt !== null && utcDay(usedAt) <= utcDay(token.lastUsedAt)) return [];
      return [{ type: 'ScimTokenUsed', data: { tokenId: token.tokenId, usedAt } }];
    }
    case 'RecordScimTokenExpiryReminder': {
      const { tokenId, daysBefore } = command.data;
      const now = instant(command.data.now);
      const token = tenant.scimToken;
      // Rule T3: only for the current token, once per threshold, inside its window.
      if (!token || token.tokenId !== tokenId || !dueReminders(tenant, now).includes(daysBefore)) return [];
      return [{ type: 'ScimTokenExpiryReminderDue', data: { tokenId, daysBefore, expiresAt: token.expiresAt, dueAt: now } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolveScimToken(tenant: Tenant, event: ScimTokenEvent): Tenant {
  switch (event.type) {
    case 'ScimTokenGenerated':
    case 'ScimTokenRotated': {
      const { tokenId, tokenHash, createdAt, expiresAt, apiCredentialsEntry } = event.data;
      // The previous hash is gone from state at once (rule T2); the list entry is updated in place (rule T4).
      const hasEntry = tenant.apiCredentials.some((entry) => entry.kind === 'scim');
      return {
        ...tenant,
        scimToken: { tokenId, tokenHash, createdAt, expiresAt, lastUsedAt: null, remindersRecorded: [], reminderDeliveries: [] },
        apiCredentials: hasEntry
          ? tenant.apiCredentials.map((entry) => (entry.kind === 'scim' ? apiCredentialsEntry : entry))
          : [...tenant.apiCredentials, apiCredentialsEntry],
      };
    }
    case 'ScimTokenUsed': {
      const token = tenant.scimToken;
      if (!token || token.tokenId !== event.data.tokenId) return tenant;
      return { ...tenant, scimToken: { ...token, lastUsedAt: event.data.usedAt } };
    }
    case 'ScimTokenExpiryReminderDue': {
      const token = tenant.scimToken;
      if (!token || token.tokenId !== event.data.tokenId || token.remindersRecorded.includes(event.data.daysBefore)) return tenant;
      // Recording it is taking its first attempt: the instance whose append made the event sends the mail.
      const delivery = { daysBefore: event.data.daysBefore, attempt: 1, status: 'sending', nextAttemptAt: null } as const;
      return {
        ...tenant,
        scimToken: {
          ...token,
          remindersRecorded: [...token.remindersRecorded, event.data.daysBefore],
          reminderDeliveries: [...token.reminderDeliveries, delivery],
        },
      };
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Rule T3: an expired token (now ≥ expiresAt) stops provisioning until a new one is generated. */
export function scimTokenStatus(state: TenantState, now: string): 'none' | 'valid' | 'expired' {
  if (state.status !== 'Active' || !state.scimToken) return 'none';
  return isExpired(state.scimToken, queryInstant(now)) ? 'expired' : 'valid';
}

/**
 * Rule T3 decision: which reminder a scheduler should record now for the
 * current token. Each threshold owns a window that ends where the next one
 * starts: 30 → (7 d, 30 d] before expiry, 7 → (1 d, 7 d], 1 → (0, 1 d].
 * So at most one reminder is due at a time, each at most once per token; a
 * window missed entirely (scheduler down) is skipped, not sent late; an
 * expired token gets none.
 */
export function dueReminders(state: TenantState, now: string): ExpiryReminderDays[] {
  if (state.status !== 'Active' || !state.scimToken) return [];
  const token = state.scimToken;
  const remaining = Date.parse(token.expiresAt) - Date.parse(queryInstant(now));
  if (remaining <= 0) return [];
  const window = [...EXPIRY_REMINDER_DAYS].reverse().find((days) => remaining <= days * DAY_MS);
  return window !== undefined && !token.remindersRecorded.includes(window) ? [window] : [];
}

/**
 * Rule T3, for a scheduler's search: the expiry instants of the tokens whose
 * reminder windows are open at `now`, i.e. expiring after `now` and at most
 * the largest threshold later. The read model narrows to these; dueReminders
 * decides on each tenant's state.
 */
export function expiriesWithReminderWindowOpen(now: string): { readonly after: string; readonly atOrBefore: string } {
  const at = queryInstant(now);
  return { after: at, atOrBefore: new Date(Date.parse(at) + Math.max(...EXPIRY_REMINDER_DAYS) * DAY_MS).toISOString() };
}

function generateScimToken(tenant: Tenant, data: { tokenId: string; tokenHash: string; now: string }): TenantEvent[] {
  if (tenant.userManagement !== 'scim') throw new DomainRefused('ScimNotEnabled', 'switch the tenant to SCIM first');
  const tokenId = required(data.tokenId, 'InvalidScimToken', 'tokenId');
  if (!SHA256_HEX.test(data.tokenHash)) throw new DomainRefused('InvalidScimToken', 'tokenHash must be a lower-case SHA-256 hex digest');
  const createdAt = instant(data.now);
  const current = tenant.scimToken;
  if (current) {
    // The same request again: the token is already the current one.
    if (current.tokenId === tokenId && current.tokenHash === data.tokenHash && current.createdAt === createdAt) return [];
    if (current.tokenId === tokenId || current.tokenHash === data.tokenHash) {
      throw new DomainRefused('ScimTokenReused', 'a new SCIM token needs a new id and a new secret');
    }
  }
  // Rule T2: valid 365 days from creation, computed from the command's clock.
  const expiresAt = new Date(Date.parse(createdAt) + SCIM_TOKEN_VALIDITY_DAYS * DAY_MS).toISOString();
  const apiCredentialsEntry: ScimApiCredentialsEntry = { kind: 'scim', tokenId, createdAt, expiresAt };
  if (!current) {
    return [{ type: 'ScimTokenGenerated', data: { tokenId, tokenHash: data.tokenHash, createdAt, expiresAt, apiCredentialsEntry } }];
  }
  return [
    {
      type: 'ScimTokenRotated',
      data: { tokenId, tokenHash: data.tokenHash, createdAt, expiresAt, previousTokenId: current.tokenId, apiCredentialsEntry },
    },
  ];
}

function isExpired(token: CurrentScimToken, now: string): boolean {
  return Date.parse(now) >= Date.parse(token.expiresAt);
}

function utcDay(isoInstant: string): string {
  return isoInstant.slice(0, 10);
}
