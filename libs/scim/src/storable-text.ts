/** U+0000, or a UTF-16 surrogate without its other half. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether every database can keep the text: PostgreSQL's text and jsonb
 * refuse U+0000 and unpaired surrogates (they are not UTF-8), so such a value
 * is refused as a client error up front rather than failing at the database.
 */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** The first string (key or value) in a parsed JSON value that no database can keep, if any. */
export function unstorableString(value: unknown): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = unstorableString(item);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = isStorableText(key) ? unstorableString(item) : key;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
