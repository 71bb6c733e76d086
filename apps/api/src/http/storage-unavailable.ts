/**
 * Whether a failure means the database is out of reach (network, SQLSTATE
 * class 08, server shutting down, too many connections) rather than a bug:
 * the client should retry, so it gets 503 with Retry-After, not 500. TypeORM
 * copies the driver's code onto its QueryFailedError; the driver error also
 * rides along as driverError.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'SQLITE_BUSY',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Client has encountered a connection error|connect ECONNREFUSED/i;

export function isStorageUnavailable(error: unknown): boolean {
  for (let e: unknown = error, hops = 0; e && typeof e === 'object' && hops < 4; hops++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08/.test(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Seconds a client waits before retrying a 503: the pool reconnects on the next request. */
export const RETRY_AFTER_SECONDS = '5';
