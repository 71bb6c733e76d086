import { DomainRefused } from '../domain-refused';
import { characterCount, fitsWidth, TEXT_WIDTH } from '../text/stored-text';

/**
 * Rule A1 (revised): every attribute of the core User schema and of the
 * enterprise extension the IdP sent, kept as sent, beside the few the backup
 * service itself reads (userName, the email, the display name, givenName,
 * familyName, externalId, the UPN and active, which UserProfile names). JSON
 * as the SCIM layer read it against /Schemas: names in the schema's spelling,
 * an extension's attributes under its URN, multi-valued attributes as arrays.
 * The domain does not know the schema; it keeps, compares and bounds the document.
 */
export type UserAttributeValue = string | number | boolean | null | readonly UserAttributeValue[] | { readonly [name: string]: UserAttributeValue };
export type UserAttributes = Readonly<Record<string, UserAttributeValue>>;

/**
 * One attribute that changed, by its path in the document: ["title"],
 * ["name", "formatted"], [enterprise URN, "manager", "value"]. Segments, not a
 * dotted string, because a URN holds dots and colons itself. A multi-valued
 * attribute changes as a whole (from one list of values to another). null is absent.
 */
export interface UserAttributeChange {
  readonly path: readonly string[];
  readonly from: UserAttributeValue;
  readonly to: UserAttributeValue;
}

/** Issue 18, item 7: what one multi-valued attribute may hold, so an event stays small whatever an IdP sends. */
export const MAX_ATTRIBUTE_VALUES = 100;
/**
 * What a user's kept attributes may take in all, as the JSON the read model
 * stores: the per-value bounds alone let a user reach 1.45 MB, a list page
 * 260 MB, and nine such reads ended the api (the attack on issue 18, F13).
 * Users of Entra ID and Okta take a few kilobytes.
 */
export const MAX_ATTRIBUTES_TEXT = 32_768;

const isRecord = (value: UserAttributeValue | undefined): value is { readonly [name: string]: UserAttributeValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The changes that turn `current` into `wanted`, sub-attribute by
 * sub-attribute inside complex attributes (so a new name.middleName is one
 * change, not the whole name), in a stable order: the keys of both, sorted.
 */
export function attributeChanges(current: UserAttributes, wanted: UserAttributes): UserAttributeChange[] {
  const changes: UserAttributeChange[] = [];
  collectChanges([], current, wanted, changes);
  return changes;
}

function collectChanges(path: readonly string[], current: UserAttributes, wanted: UserAttributes, changes: UserAttributeChange[]): void {
  const names = [...new Set([...Object.keys(current), ...Object.keys(wanted)])].sort();
  for (const name of names) {
    const from = current[name] ?? null;
    const to = wanted[name] ?? null;
    if (isRecord(from) && isRecord(to)) collectChanges([...path, name], from, to, changes);
    else if (!sameValue(from, to)) changes.push({ path: [...path, name], from, to });
  }
}

/**
 * JSON equality in which neither key order nor the order of a multi-valued
 * attribute's values counts (RFC 7643 §2.4: they are unordered): an IdP that
 * sends the same values in another order changes nothing (the attack on issue 18, F17).
 */
export function sameValue(a: UserAttributeValue, b: UserAttributeValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    const unmatched = [...b];
    return a.every((item) => {
      const at = unmatched.findIndex((other) => sameValue(item, other));
      return at >= 0 && unmatched.splice(at, 1).length === 1;
    });
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && sameValue(a[key], b[key]));
  }
  return false;
}

/** The document after the changes: each path set to its new value, removed where it becomes absent, emptied parents removed. */
export function withAttributeChanges(attributes: UserAttributes, changes: readonly UserAttributeChange[]): UserAttributes {
  return changes.reduce((document, change) => setAt(document, change.path, change.to), attributes);
}

function setAt(document: UserAttributes, path: readonly string[], value: UserAttributeValue): UserAttributes {
  const [name, ...rest] = path;
  if (name === undefined) return document;
  const { [name]: existing, ...others } = document;
  const next = rest.length === 0 ? value : setAt(isRecord(existing) ? existing : {}, rest, value);
  const absent = next === null || (isRecord(next) && Object.keys(next).length === 0);
  return absent ? others : { ...others, [name]: next };
}

/** How a path reads to a person: URN-qualified attributes with ":" (RFC 7644 §3.10), sub-attributes with ".". */
export function attributePathName(path: readonly string[]): string {
  return path.reduce((name, segment, i) => (i === 0 ? segment : `${name}${path[i - 1].startsWith('urn:') ? ':' : '.'}${segment}`), '');
}

/**
 * Every bound on the document, checked once, here, on the form it is stored
 * in (the read model keeps it as JSON text): each text at most
 * TEXT_WIDTH.userAttribute characters, each multi-valued attribute at most
 * MAX_ATTRIBUTE_VALUES values, all of it at most MAX_ATTRIBUTES_TEXT
 * characters unless it is an existing user's (`current`) that does not grow.
 */
export function refuseUnstorableAttributes(attributes: UserAttributes, current?: UserAttributes): void {
  const visit = (path: readonly string[], value: UserAttributeValue): void => {
    if (typeof value === 'string') {
      if (!fitsWidth(TEXT_WIDTH.userAttribute, value)) {
        throw new DomainRefused('InvalidUser', `${attributePathName(path)} is longer than ${TEXT_WIDTH.userAttribute} characters`);
      }
    } else if (Array.isArray(value)) {
      if (value.length > MAX_ATTRIBUTE_VALUES) {
        throw new DomainRefused('InvalidUser', `${attributePathName(path)} has more than ${MAX_ATTRIBUTE_VALUES} values`);
      }
      for (const item of value) visit(path, item);
    } else if (isRecord(value)) {
      for (const [name, inner] of Object.entries(value)) visit([...path, name], inner);
    }
  };
  for (const [name, value] of Object.entries(attributes)) visit([name], value);
  const stored = characterCount(JSON.stringify(attributes));
  // A user kept over the bound before it existed may still change, as long as it does not grow: deactivating it must
  // never be refused (the second attack on issue 18, B1).
  const grows = current === undefined || stored > characterCount(JSON.stringify(current));
  if (stored > MAX_ATTRIBUTES_TEXT && grows) {
    throw new DomainRefused('InvalidUser', `the user's attributes take ${stored} characters as stored; at most ${MAX_ATTRIBUTES_TEXT} are allowed`);
  }
}
