import { DomainRefused } from '../domain-refused';

export const DAY_MS = 86_400_000;
/** ISO 8601 with an explicit offset, so an instant never depends on the server's zone. */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The command's clock as a canonical UTC instant (rule T2: dates shown in UTC). */
export function instant(text: string): string {
  const parsed = parseInstant(text);
  if (parsed === null) throw new DomainRefused('InvalidTime', `not an ISO 8601 instant: ${text}`);
  return parsed;
}

/** The same for a query's clock: a bad instant there is the caller's bug, not a refusal. */
export function queryInstant(text: string): string {
  const parsed = parseInstant(text);
  if (parsed === null) throw new RangeError(`not an ISO 8601 instant: ${text}`);
  return parsed;
}

function parseInstant(text: string): string | null {
  const match = typeof text === 'string' ? ISO_INSTANT.exec(text) : null;
  if (!match) return null;
  // Date.parse rolls 2025-02-30 over to March: refuse a day the month lacks.
  const [year, month, day] = match[1].split('-').map(Number);
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
