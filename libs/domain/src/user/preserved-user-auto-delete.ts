const DAY_MS = 86_400_000;

/** What the read side knows of a user that the auto-delete rule reads. */
export interface PreservedUserFacts {
  /** Active or Preserved (rule L4); anything else is never due. */
  readonly status: string;
  readonly legalHold: boolean;
  /** When the user was last preserved; null while active. */
  readonly preservedAt: string | null;
}

/**
 * Rule L10: the latest instant a user may have been preserved and be due for
 * deletion for good at `now`, under its profile's "auto-delete preserved
 * users" period (days); null when the profile never deletes them. The period
 * is whole days of 24 hours, counted from the moment it was preserved.
 */
export function autoDeletePreservedBefore(autoDeletePreservedAfterDays: number | null, now: string): string | null {
  if (autoDeletePreservedAfterDays === null) return null;
  return new Date(Date.parse(now) - autoDeletePreservedAfterDays * DAY_MS).toISOString();
}

/**
 * Rule L10: whether a user is due for deletion for good at `now`: preserved,
 * not on legal hold, and preserved at or before the profile's cut-off.
 */
export function isDueForAutoDeletion(user: PreservedUserFacts, autoDeletePreservedAfterDays: number | null, now: string): boolean {
  const preservedBefore = autoDeletePreservedBefore(autoDeletePreservedAfterDays, now);
  if (preservedBefore === null || user.status !== 'Preserved' || user.legalHold || user.preservedAt === null) return false;
  return Date.parse(user.preservedAt) <= Date.parse(preservedBefore);
}
