import { DomainRefused } from '../domain-refused';

/**
 * Rule L1's mandatory attributes, as a request brings them: the text sent,
 * or null where none was (an edge reads what is not text as none). Rule L1's
 * revision (a display name derived from `name`, issue 18) extends this and
 * missingAttributeOf, and nothing else.
 */
export interface RequiredAttributes {
  readonly userName: string | null;
  readonly displayName: string | null;
}

export type RequiredAttribute = keyof RequiredAttributes;

/** Rule L1: a mandatory attribute is missing when absent or blank. */
export function isMissing(value: string | null | undefined): boolean {
  return !value?.trim();
}

/** Rule L1: the first mandatory attribute the user lacks, userName first, or null when it has both. */
export function missingAttributeOf(user: RequiredAttributes): RequiredAttribute | null {
  if (isMissing(user.userName)) return 'userName';
  if (isMissing(user.displayName)) return 'displayName';
  return null;
}

/** What the domain says of a user without a mandatory attribute (rule L1). */
export const requiredDetail = (attribute: RequiredAttribute) => `${attribute} is required`;

/** Rule L1 on a user that exists or is made by hand (PUT, PATCH, an administrator's create): an invalid user. */
export function refuseIncompleteUser(user: RequiredAttributes): void {
  const missing = missingAttributeOf(user);
  if (missing) throw new DomainRefused('InvalidUser', requiredDetail(missing));
}
