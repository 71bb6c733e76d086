import { dueReminders, expiriesWithReminderWindowOpen, foldTenant } from './tenant.decider';
import { before, created, DAY, EXPIRES, reminded, scimOn, tokenGenerated } from '../testing/tenant-history';

describe('the expiries a reminder scheduler searches (rule T3)', () => {
  const withToken = [created, scimOn, tokenGenerated];
  /** Whether a token expiring at `expiresAt` is in the search at `now`; canonical instants compare as text. */
  const searched = (expiresAt: string, now: string) => {
    const { after, atOrBefore } = expiriesWithReminderWindowOpen(now);
    return expiresAt > after && expiresAt <= atOrBefore;
  };

  it('given a moment, when the search is asked, then expiries after it and at most 30 days later', () => {
    expect(expiriesWithReminderWindowOpen('2026-03-01T09:00:00.000Z')).toEqual({ after: '2026-03-01T09:00:00.000Z', atOrBefore: '2026-03-31T09:00:00.000Z' });
  });

  it('given a clock with an offset, when the search is asked, then its bounds are canonical UTC instants, as the read model stores expiries', () => {
    expect(expiriesWithReminderWindowOpen('2026-03-01T10:00:00+01:00')).toEqual({ after: '2026-03-01T09:00:00.000Z', atOrBefore: '2026-03-31T09:00:00.000Z' });
  });

  it.each([
    ['expired a moment ago', -1],
    ['expiring now', 0],
    ['expiring in 1 ms', 1],
    ['1 day left', DAY],
    ['7 days left', 7 * DAY],
    ['exactly 30 days left', 30 * DAY],
    ['30 days and 1 ms left', 30 * DAY + 1],
    ['31 days left', 31 * DAY],
  ])('given a token with no reminder recorded, %s, when searched, then found exactly when a reminder is due', (_name, left) => {
    const now = before(EXPIRES, left);
    expect(searched(EXPIRES, now)).toBe(dueReminders(foldTenant(withToken), now).length > 0);
  });

  it('given a token whose due reminder is already recorded, when searched, then still found: the search narrows, the tenant stream decides', () => {
    const now = before(EXPIRES, 29 * DAY);
    expect(dueReminders(foldTenant([...withToken, reminded(30)]), now)).toEqual([]);
    expect(searched(EXPIRES, now)).toBe(true);
  });
});
