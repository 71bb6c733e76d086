import {
  ExpiryReminderDays,
  ReminderDeliveryFailure,
  ReminderRecipients,
  ScimTokenExpiryReminderDelivered,
  ScimTokenExpiryReminderDeliveryFailed,
  ScimTokenExpiryReminderRetried,
  TenantEvent,
} from './tenant.events';
import { DAY_MS, instant, queryInstant } from './instants';
import { EXPIRY_REMINDER_DAYS } from './scim-token';
import { CurrentScimToken, ReminderDelivery, Tenant, TenantState } from './tenant.state';

/**
 * Rule T3: a failed reminder mail is tried again after 1 min, 5 min, 30 min,
 * 2 h, then every 6 h, until the reminder's window closes. Short first waits
 * cover a mail server restarting; the cap keeps a long outage from costing a
 * mail server thousands of attempts.
 */
export const REMINDER_RETRY_BACKOFF_MS: readonly number[] = [60_000, 300_000, 1_800_000, 7_200_000, 21_600_000];

/** How the attempt went, as the notifier saw it. */
export type ReminderAttemptOutcome =
  | { readonly delivered: true; readonly recipients: ReminderRecipients }
  | { readonly delivered: false; readonly failure: ReminderDeliveryFailure; readonly smtpCode: number | null };

/** Rule T3: the outcome of each attempt at a reminder's mail, and who takes the next one. */
export type ReminderDeliveryCommand =
  | {
      readonly type: 'RecordScimTokenExpiryReminderAttempt';
      readonly data: { tokenId: string; daysBefore: ExpiryReminderDays; attempt: number; outcome: ReminderAttemptOutcome; now: string };
    }
  | { readonly type: 'RetryScimTokenExpiryReminder'; readonly data: { tokenId: string; daysBefore: ExpiryReminderDays; now: string } };

export type ReminderDeliveryEvent = ScimTokenExpiryReminderDelivered | ScimTokenExpiryReminderDeliveryFailed | ScimTokenExpiryReminderRetried;

export function decideReminderDelivery(command: ReminderDeliveryCommand, tenant: Tenant): TenantEvent[] {
  switch (command.type) {
    case 'RecordScimTokenExpiryReminderAttempt': {
      const { tokenId, daysBefore, attempt, outcome } = command.data;
      const now = instant(command.data.now);
      const token = tenant.scimToken;
      const delivery = token?.tokenId === tokenId ? deliveryOf(token, daysBefore) : undefined;
      // Only the attempt in flight has an outcome; a repeat (or a rotated token's) records nothing.
      if (!token || !delivery || delivery.attempt !== attempt || delivery.status !== 'sending') return [];
      if (outcome.delivered) {
        return [{ type: 'ScimTokenExpiryReminderDelivered', data: { tokenId, daysBefore, attempt, recipients: outcome.recipients, deliveredAt: now } }];
      }
      const backoff = REMINDER_RETRY_BACKOFF_MS[Math.min(attempt, REMINDER_RETRY_BACKOFF_MS.length) - 1];
      const next = Date.parse(now) + backoff;
      const nextAttemptAt = next < Date.parse(reminderWindowCloses(token, daysBefore)) ? new Date(next).toISOString() : null;
      const { failure, smtpCode } = outcome;
      return [{ type: 'ScimTokenExpiryReminderDeliveryFailed', data: { tokenId, daysBefore, attempt, failure, smtpCode, failedAt: now, nextAttemptAt } }];
    }
    case 'RetryScimTokenExpiryReminder': {
      const { tokenId, daysBefore } = command.data;
      const now = instant(command.data.now);
      if (tenant.scimToken?.tokenId !== tokenId || !remindersToRetry(tenant, now).includes(daysBefore)) return [];
      const attempt = deliveryOf(tenant.scimToken, daysBefore)!.attempt + 1;
      return [{ type: 'ScimTokenExpiryReminderRetried', data: { tokenId, daysBefore, attempt, attemptedAt: now } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolveReminderDelivery(tenant: Tenant, event: ReminderDeliveryEvent): Tenant {
  const token = tenant.scimToken;
  if (!token || token.tokenId !== event.data.tokenId) return tenant;
  const { daysBefore, attempt } = event.data;
  const change = (delivery: ReminderDelivery): ReminderDelivery => {
    switch (event.type) {
      case 'ScimTokenExpiryReminderDelivered':
        return { ...delivery, attempt, status: 'delivered', nextAttemptAt: null };
      case 'ScimTokenExpiryReminderDeliveryFailed':
        return { ...delivery, attempt, status: 'failed', nextAttemptAt: event.data.nextAttemptAt };
      case 'ScimTokenExpiryReminderRetried':
        return { ...delivery, attempt, status: 'sending', nextAttemptAt: null };
      default: {
        const unknown: never = event;
        throw new Error(`unknown event ${JSON.stringify(unknown)}`);
      }
    }
  };
  const reminderDeliveries = token.reminderDeliveries.map((delivery) => (delivery.daysBefore === daysBefore ? change(delivery) : delivery));
  return { ...tenant, scimToken: { ...token, reminderDeliveries } };
}

/**
 * Rule T3: the failed reminders of the current token whose next attempt is
 * due at `now`, while their window is still open. A window that closed takes
 * its reminder with it: the next one (or the expiry) is what the admin needs.
 */
export function remindersToRetry(state: TenantState, now: string): ExpiryReminderDays[] {
  if (state.status !== 'Active' || !state.scimToken) return [];
  const token = state.scimToken;
  const at = Date.parse(queryInstant(now));
  return token.reminderDeliveries
    .filter((d) => d.status === 'failed' && d.nextAttemptAt !== null && Date.parse(d.nextAttemptAt) <= at)
    .filter((d) => at < Date.parse(reminderWindowCloses(token, d.daysBefore)))
    .map((d) => d.daysBefore);
}

/** The earliest next attempt of the current token's failed reminders, or null: when a notifier should look again. */
export function nextReminderAttemptAt(state: TenantState): string | null {
  if (state.status !== 'Active' || !state.scimToken) return null;
  const next = state.scimToken.reminderDeliveries.map((d) => (d.status === 'failed' ? d.nextAttemptAt : null)).filter((at) => at !== null);
  return next.length > 0 ? next.sort()[0] : null;
}

/** Where a reminder's window ends (scim-token.ts, dueReminders): where the next threshold's opens, or at the expiry. */
export function reminderWindowCloses(token: CurrentScimToken, daysBefore: ExpiryReminderDays): string {
  const later = EXPIRY_REMINDER_DAYS.filter((days) => days < daysBefore);
  const nextThreshold = later.length > 0 ? Math.max(...later) : 0;
  return new Date(Date.parse(token.expiresAt) - nextThreshold * DAY_MS).toISOString();
}

function deliveryOf(token: CurrentScimToken, daysBefore: ExpiryReminderDays): ReminderDelivery | undefined {
  return token.reminderDeliveries.find((d) => d.daysBefore === daysBefore);
}
