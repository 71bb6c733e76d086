import { autoDeletePreservedBefore, isDueForAutoDeletion, PreservedUserFacts } from './preserved-user-auto-delete';

const DAY = 86_400_000;
const NOW = '2026-12-03T12:00:00.000Z';
const daysBefore = (days: number, ms = 0) => new Date(Date.parse(NOW) - days * DAY + ms).toISOString();
const preservedAt = (at: string, legalHold = false): PreservedUserFacts => ({ status: 'Preserved', legalHold, preservedAt: at });

describe('Preserved-user auto-delete (rule L10)', () => {
  it('given a 30-day period, then the cut-off is 30 days of 24 hours before now', () => {
    expect(autoDeletePreservedBefore(30, NOW)).toBe('2026-11-03T12:00:00.000Z');
  });

  it('given a profile that never auto-deletes, then there is no cut-off and no user is ever due', () => {
    expect(autoDeletePreservedBefore(null, NOW)).toBeNull();
    expect(isDueForAutoDeletion(preservedAt(daysBefore(10_000)), null, NOW)).toBe(false);
  });

  it('given a user preserved exactly the period ago, then due; a millisecond later, then not yet', () => {
    expect(isDueForAutoDeletion(preservedAt(daysBefore(30)), 30, NOW)).toBe(true);
    expect(isDueForAutoDeletion(preservedAt(daysBefore(30, 1)), 30, NOW)).toBe(false);
    expect(isDueForAutoDeletion(preservedAt(daysBefore(31)), 30, NOW)).toBe(true);
  });

  it('given a period of 0 days, then a preserved user is due at once', () => {
    expect(isDueForAutoDeletion(preservedAt(NOW), 0, NOW)).toBe(true);
  });

  it('given a user on legal hold, then never due, however long it was preserved', () => {
    expect(isDueForAutoDeletion(preservedAt(daysBefore(365), true), 30, NOW)).toBe(false);
  });

  it('given an active user, then not due', () => {
    expect(isDueForAutoDeletion({ status: 'Active', legalHold: false, preservedAt: null }, 30, NOW)).toBe(false);
  });

  it('given a preserved-at with an offset, then it is compared as an instant, not as text', () => {
    // 13:00+01:00 is 12:00Z: exactly 30 days.
    expect(isDueForAutoDeletion(preservedAt('2026-11-03T13:00:00.000+01:00'), 30, NOW)).toBe(true);
  });

  it('given an active user that still carries the instant it was once preserved, then not due: only a preserved user is (`npm run test:mutation`)', () => {
    expect(isDueForAutoDeletion({ status: 'Active', legalHold: false, preservedAt: daysBefore(365) }, 30, NOW)).toBe(false);
  });
});
