/**
 * The filter of a SCIM mapping (rules M1–M3): one attribute name and the
 * values it accepts. Pure: parsing the admin's text and matching a user.
 */
export interface ScimMappingFilter {
  /** Case-sensitive attribute name, looked up as an exact key (rule M2). */
  readonly attribute: string;
  /** Accepted values, case-sensitive, at least one, no duplicates (rule M2). */
  readonly values: readonly string[];
}

/**
 * Decision: a mapping whose attribute is `*` matches every user. The embedded
 * default's bootstrap tenant uses one as its catch-all, so the README's first
 * command provisions out of the box; an admin may add one as a last resort.
 */
export const EVERY_USER = '*';

/**
 * Rule M2: values are separated by commas; when a value itself contains a
 * comma, the admin separates them with semicolons instead. So: if the text
 * holds any `;`, it is the separator and commas are part of the values;
 * otherwise `,` is. Each value is trimmed, empty ones are dropped, and a
 * repeated value is kept once (first occurrence). A value can therefore
 * neither contain `;` nor start or end with white space.
 *
 *   "Sales, Marketing"          → ["Sales", "Marketing"]
 *   "Paris, FR; Lyon, FR"       → ["Paris, FR", "Lyon, FR"]
 *   "Paris, FR;"                → ["Paris, FR"]
 *   " , "  or  " ; "            → []  (the caller refuses: no value)
 *   " , ;"                      → [","]  (with a `;`, a comma is just text)
 */
export function parseFilterValues(valuesText: string): string[] {
  const separator = valuesText.includes(';') ? ';' : ',';
  const values: string[] = [];
  for (const raw of valuesText.split(separator)) {
    const value = raw.trim();
    if (value && !values.includes(value)) values.push(value);
  }
  return values;
}

/**
 * The text a user's attribute value is compared as, or null when it can
 * never match. Strings compare as they are; finite numbers, booleans and
 * bigints by their canonical `String()` form (`42` matches "42", `true`
 * matches "true"), since IdPs send some extension attributes unquoted.
 * null, undefined, objects and arrays (multi-valued or complex attributes)
 * never match: "equals a value" (rule M2) has no single meaning for them.
 */
export function attributeValueText(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : null;
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return null;
  }
}

/**
 * Rule M2: a user matches when its attribute equals any one value; names and
 * values are case-sensitive and compared exactly (no trimming on the user's
 * side). Only the user's own keys count, never inherited ones.
 */
export function filterMatches(filter: ScimMappingFilter, attributes: Readonly<Record<string, unknown>>): boolean {
  if (filter.attribute === EVERY_USER) return true;
  if (!Object.prototype.hasOwnProperty.call(attributes, filter.attribute)) return false;
  const text = attributeValueText(attributes[filter.attribute]);
  return text !== null && filter.values.includes(text);
}

/** Rule M3: mappings are tried in order and the first that matches wins. */
export function firstMatching<T extends { readonly filter: ScimMappingFilter }>(
  ordered: readonly T[],
  attributes: Readonly<Record<string, unknown>>,
): T | null {
  return ordered.find((mapping) => filterMatches(mapping.filter, attributes)) ?? null;
}

/**
 * Whether two filters accept exactly the same users: same attribute and the
 * same set of values, whatever their order (the order of values never
 * changes which user matches).
 */
export function sameFilter(a: ScimMappingFilter, b: ScimMappingFilter): boolean {
  return a.attribute === b.attribute && a.values.length === b.values.length && a.values.every((value) => b.values.includes(value));
}
