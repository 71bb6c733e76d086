import { ScimError } from '@scim-ledger/scim';

/** A query parameter given at most once, as text (RFC 7644 §3.4.2): a repeated one is an array, refused. */
export function queryText(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new ScimError(400, `${name} must be given once, as a string`, name === 'filter' ? 'invalidFilter' : 'invalidValue');
  }
  return value;
}

/** An integer query parameter (startIndex, count): 15 digits at most, so it stays an exact JavaScript number. */
export function queryInteger(value: unknown, name: string): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  const given = queryText(value, name);
  if (given === undefined || given === '') return undefined;
  if (!/^-?\d{1,15}$/.test(given)) throw new ScimError(400, `${name} must be an integer`, 'invalidValue');
  return Number(given);
}
