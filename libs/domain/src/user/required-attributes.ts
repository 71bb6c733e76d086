import { DomainRefused } from '../domain-refused';

/**
 * The parts of `name` a display name is derived from when none is sent
 * (rule L1, revised in issue 18): the text sent, or null where none was.
 * `formattedName` is name.formatted, read only to derive from.
 */
export interface NameParts {
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly formattedName?: string | null;
}

/**
 * Rule L1's mandatory attributes, as a request brings them: the text sent,
 * or null where none was (an edge reads what is not text as none), with the
 * name a missing display name is derived from.
 */
export interface RequiredAttributes extends NameParts {
  readonly userName: string | null;
  readonly displayName: string | null;
}

export type RequiredAttribute = 'userName' | 'displayName';

/** Rule L1: a mandatory attribute is missing when absent or blank. */
export function isMissing(value: string | null | undefined): boolean {
  return !value?.trim();
}

/**
 * Rule L1 (revised): the vendor builds the display name from first and last
 * name, so without displayName it is `givenName familyName` (either alone
 * when only one is there), else name.formatted; trimmed. Null when the name
 * gives none.
 */
export function derivedDisplayName(name: NameParts): string | null {
  const parts = [name.givenName, name.familyName].map((part) => part?.trim() ?? '').filter((part) => part !== '');
  if (parts.length > 0) return parts.join(' ');
  return name.formattedName?.trim() || null;
}

/** The display name a user keeps: the one sent, as sent, else the one its name gives (rule L1), or null when neither is there. */
export function displayNameOf(user: Omit<RequiredAttributes, 'userName'>): string | null {
  return isMissing(user.displayName) ? derivedDisplayName(user) : user.displayName;
}

/** Rule L1: the first mandatory attribute the user lacks, userName first, or null when it has both (a display name sent or derivable). */
export function missingAttributeOf(user: RequiredAttributes): RequiredAttribute | null {
  if (isMissing(user.userName)) return 'userName';
  if (displayNameOf(user) === null) return 'displayName';
  return null;
}

/** What the domain says of a user without a mandatory attribute (rule L1). */
export const requiredDetail = (attribute: RequiredAttribute) =>
  attribute === 'displayName' ? 'displayName is required, and name has no givenName, familyName or formatted to derive it from' : `${attribute} is required`;

/**
 * Rule L1 on a user that exists or is made by hand (PUT, PATCH, an
 * administrator's create) and, after rule M4's check, on an IdP's create:
 * the display name it keeps, or InvalidUser saying what is missing.
 */
export function displayNameToKeep(user: RequiredAttributes): string {
  const missing = missingAttributeOf(user);
  const displayName = displayNameOf(user);
  if (missing || displayName === null) throw new DomainRefused('InvalidUser', requiredDetail(missing ?? 'displayName'));
  return displayName;
}
