/**
 * The widths of the read model's text columns, in characters (code points):
 * PostgreSQL's varchar(n) counts characters, not UTF-16 units and not bytes;
 * SQLite keeps any length. One definition gives both the column types
 * (libs/read-model) and the bounds every edge checks before an append, so a
 * value that passed the edge always fits its column (issue 15: a userName
 * that fitted lower-cased to 612 characters and stopped the projector).
 */
export const TEXT_WIDTH = {
  /** A user's id (a UUID); a longer id in a request names no user. */
  userId: 36,
  /** userName, emails, displayName, name parts, externalId, userPrincipalName, and their folded copies. */
  userAttribute: 512,
  /** Names an admin gives: tenant, storage, profile, mapping, API credential; a mapping's attribute. */
  catalogueName: 200,
  /** A storage's region. */
  region: 100,
  /** A mapping's accepted values as entered (kept in a text column, bounded so an event stays small). */
  mappingValues: 2000,
  /** Why the operator issued a credential into a tenant (a recovery credential), kept in its event. */
  credentialReason: 500,
  /** A tenant's notification contact (rule T3): RFC 5321 §4.5.3.1.3 bounds a path at 254 characters. */
  notificationContact: 254,
  /** The User-Agent kept in event metadata and the audit trail. */
  userAgent: 500,
} as const;

/** The length a database that counts characters sees: code points, a surrogate pair being one. */
export function characterCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Whether every form in which `text` is stored fits a column of `width` characters. */
export function fitsWidth(width: number, ...storedForms: readonly string[]): boolean {
  return storedForms.every((form) => characterCount(form) <= width);
}

/** The first `width` characters of `text`, never half of a surrogate pair. */
export function firstCharacters(text: string, width: number): string {
  if (text.length <= width) return text;
  let end = 0;
  for (let count = 0; count < width && end < text.length; count++) {
    const unit = text.charCodeAt(end);
    end += unit >= 0xd800 && unit <= 0xdbff && end + 1 < text.length ? 2 : 1;
  }
  return text.slice(0, end);
}
