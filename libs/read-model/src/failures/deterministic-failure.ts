/**
 * Whether applying an event failed because of the event itself (it will fail
 * again, however often it is retried) rather than because the database or
 * the store is away for now. Only the first kind is set aside: an outage must
 * stop the projector and resubscribe (a set-aside event would be skipped
 * for good), as before.
 */
export function isDeterministicFailure(error: unknown): boolean {
  const code = (error as { code?: unknown; driverError?: { code?: unknown } })?.code ?? (error as { driverError?: { code?: unknown } })?.driverError?.code;
  if (typeof code === 'string') {
    // PostgreSQL SQLSTATE classes: 22 data exception (value too long, invalid text), 23 integrity constraint.
    if (/^(22|23)[0-9A-Z]{3}$/.test(code)) return true;
    // SQLite: constraint (NOT NULL, CHECK, trigger), datatype mismatch, string or blob too big, out of range.
    if (/^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code)) return true;
    return false;
  }
  // The projection's own code threw (a TypeError on an event it cannot read): no driver, no outage.
  return error instanceof TypeError || error instanceof RangeError || (error instanceof Error && error.name === 'UnprojectableEventError');
}
