/**
 * An expensive SCIM read ran past SCIM_QUERY_TIMEOUT_MS and was cancelled
 * (PostgreSQL's statement_timeout; on SQLite the read worker's time budget).
 * The edge answers 503 with Retry-After: the read may fit when the database
 * is less busy, and a narrower filter fits sooner.
 */
export class QueryTimedOut extends Error {
  override readonly name = 'QueryTimedOut';
  constructor(readonly timeoutMs: number) {
    super(`the query ran longer than its ${timeoutMs} ms budget and was cancelled; narrow the filter or retry later`);
  }
}

/** SQLSTATE 57014 query_canceled: what statement_timeout raises. */
export function isStatementTimeout(error: unknown): boolean {
  for (let e: unknown = error, hops = 0; e && typeof e === 'object' && hops < 4; hops++) {
    if ((e as { code?: unknown }).code === '57014') return true;
    e = (e as { driverError?: unknown }).driverError;
  }
  return false;
}
