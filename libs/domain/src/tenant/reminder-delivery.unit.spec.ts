import { TenantCommand } from './tenant.decider';
import { ExpiryReminderDays, TenantEvent } from './tenant.events';
import { nextReminderAttemptAt, remindersToRetry } from './reminder-delivery';
import { active, before, created, DAY, EXPIRES, given, reminded, scimOn, tokenGenerated } from '../testing/tenant-history';
import { decide, foldTenant } from './tenant.decider';

const MINUTE = 60_000;
const at = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe('Tenant decider', () => {
  describe('expiry reminder delivery, retried with back-off until the window closes (rule T3)', () => {
    const due30 = before(EXPIRES, 29 * DAY);
    const history = [created, scimOn, tokenGenerated, reminded(30)];
    const attempt = (n: number, now: string, delivered = false, daysBefore: ExpiryReminderDays = 30): TenantCommand => ({
      type: 'RecordScimTokenExpiryReminderAttempt',
      data: {
        tokenId: 'tok1',
        daysBefore,
        attempt: n,
        now,
        outcome: delivered ? { delivered: true, recipients: 'contacts' } : { delivered: false, failure: 'refused', smtpCode: 550 },
      },
    });
    const failed = (n: number, failedAt: string, nextAttemptAt: string | null, daysBefore: ExpiryReminderDays = 30): TenantEvent => ({
      type: 'ScimTokenExpiryReminderDeliveryFailed',
      data: { tokenId: 'tok1', daysBefore, attempt: n, failure: 'refused', smtpCode: 550, failedAt, nextAttemptAt },
    });
    const retried = (n: number, attemptedAt: string): TenantEvent => ({
      type: 'ScimTokenExpiryReminderRetried',
      data: { tokenId: 'tok1', daysBefore: 30, attempt: n, attemptedAt },
    });
    const retry = (now: string): TenantCommand => ({ type: 'RetryScimTokenExpiryReminder', data: { tokenId: 'tok1', daysBefore: 30, now } });

    it('given a recorded reminder, when its first mail went out, then ScimTokenExpiryReminderDelivered naming who got it (no address)', () => {
      given(...history)
        .when(attempt(1, due30, true))
        .then([
          { type: 'ScimTokenExpiryReminderDelivered', data: { tokenId: 'tok1', daysBefore: 30, attempt: 1, recipients: 'contacts', deliveredAt: due30 } },
        ]);
    });

    it('given a recorded reminder, when its first mail is refused, then DeliveryFailed with the next attempt a minute later', () => {
      given(...history)
        .when(attempt(1, due30))
        .then([failed(1, due30, at(due30, MINUTE))]);
    });

    it('given a failed attempt, when the same outcome is recorded again, then nothing: only the attempt in flight has an outcome', () => {
      given(...history, failed(1, due30, at(due30, MINUTE)))
        .when(attempt(1, due30))
        .then([]);
    });

    it('given a failed attempt, when retried before its time, then nothing; at its time, then Retried with attempt 2', () => {
      const past = [...history, failed(1, due30, at(due30, MINUTE))];
      given(...past)
        .when(retry(at(due30, MINUTE - 1)))
        .then([]);
      given(...past)
        .when(retry(at(due30, MINUTE)))
        .then([retried(2, at(due30, MINUTE))]);
    });

    it('given attempt 2 in flight, when another instance retries too, then nothing: one mail per attempt', () => {
      given(...history, failed(1, due30, at(due30, MINUTE)), retried(2, at(due30, MINUTE)))
        .when(retry(at(due30, MINUTE)))
        .then([]);
    });

    it('given attempts failing, then the waits grow 1 min, 5 min, 30 min, 2 h, then stay at 6 h', () => {
      let events: TenantEvent[] = [...history];
      let now = due30;
      const waits: number[] = [];
      for (let n = 1; n <= 7; n++) {
        const [outcome] = decide(attempt(n, now), foldTenant(events));
        const next = (outcome as Extract<TenantEvent, { type: 'ScimTokenExpiryReminderDeliveryFailed' }>).data.nextAttemptAt!;
        waits.push((Date.parse(next) - Date.parse(now)) / MINUTE);
        events = [...events, outcome, retried(n + 1, next)];
        now = next;
      }
      expect(waits).toEqual([1, 5, 30, 120, 360, 360, 360]);
    });

    it('given a failure whose back-off ends after the window (the 7-day reminder opens), then no next attempt and nothing to retry', () => {
      const late = before(EXPIRES, 7 * DAY + 30_000);
      given(...history)
        .when(attempt(1, late))
        .then([failed(1, late, null)]);
      expect(remindersToRetry(foldTenant([...history, failed(1, late, null)]), before(EXPIRES, 7 * DAY - MINUTE))).toEqual([]);
    });

    it('given the 1-day reminder failing, then its window is the expiry', () => {
      const last = before(EXPIRES, 30_000);
      given(created, scimOn, tokenGenerated, reminded(1))
        .when(attempt(1, last, false, 1))
        .then([failed(1, last, null, 1)]);
    });

    it('given a failed attempt, then the notifier knows when to look again', () => {
      const state = foldTenant([...history, failed(1, due30, at(due30, MINUTE))]);
      expect(nextReminderAttemptAt(state)).toBe(at(due30, MINUTE));
      expect(remindersToRetry(state, at(due30, MINUTE))).toEqual([30]);
      expect(active(state).scimToken?.reminderDeliveries).toEqual([{ daysBefore: 30, attempt: 1, status: 'failed', nextAttemptAt: at(due30, MINUTE) }]);
    });

    it('given a rotated token, when an old reminder’s outcome arrives, then nothing', () => {
      const rotated: TenantEvent = {
        type: 'ScimTokenRotated',
        data: { ...(tokenGenerated.data as object), tokenId: 'tok2', tokenHash: 'b'.repeat(64), previousTokenId: 'tok1' } as never,
      };
      given(...history, rotated)
        .when(attempt(1, due30))
        .then([]);
    });
  });
});
