import {
  type IdpAttributes,
  isMissing,
  sameValue,
  type UserAttributeValue,
  requiredDetail,
  type RequiredAttributes,
  type UserProfile,
  type WantedProfile,
} from '@scim-ledger/domain';
import { ScimError } from './scim-error';
import { isStorableText } from './storable-text';
import { CORE_USER_SCHEMA, DRUVA_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from './scim-schemas';
import { type KeptAttributesAsSent, readKeptAttributes } from './attributes/kept-attributes';

/** What the HTTP layer knows of a user, from the read model or from its stream. */
export interface ScimUserView {
  readonly id: string;
  readonly profile: UserProfile;
  readonly active: boolean;
  readonly created: string;
  readonly lastModified: string;
  readonly revision: number;
  /** Rule L1: whether the display name was derived from name (the user's stream knows; null where it does not). */
  readonly displayNameDerived?: boolean | null;
  /** Rule G1: the groups the user is a member of, from the membership rows; absent where they were not read. */
  readonly groups?: readonly { readonly value: string; readonly display: string }[];
}

export type ScimUserResource = Record<string, unknown> & { id: string; meta: Record<string, unknown> };

/** meta.version and ETag come from the stream revision (RFC 7644 §3.14). */
export const versionOf = (revision: number) => `W/"${revision}"`;

export function toScimUser(view: ScimUserView, location: string): ScimUserResource {
  const { profile } = view;
  const { name: keptName, emails: keptEmails, [ENTERPRISE_USER_SCHEMA]: enterprise, ...kept } = profile.attributes;
  const name: Record<string, unknown> = isObject(keptName) ? { ...keptName } : {};
  if (profile.givenName !== null) name.givenName = profile.givenName;
  if (profile.familyName !== null) name.familyName = profile.familyName;
  const derivedEmails = keptEmails === undefined || keptEmails === null;
  const resource: ScimUserResource = {
    schemas: [
      CORE_USER_SCHEMA,
      ...(enterprise !== undefined ? [ENTERPRISE_USER_SCHEMA] : []),
      ...(profile.userPrincipalName !== null ? [DRUVA_USER_SCHEMA] : []),
    ],
    id: view.id,
    ...(profile.externalId !== null ? { externalId: profile.externalId } : {}),
    userName: profile.userName,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    displayName: profile.displayName,
    ...kept,
    // Rule L1: a user sent without emails has one, its userName, shown as the primary work email.
    emails: derivedEmails ? [{ value: profile.email, type: 'work', primary: true }] : keptEmails,
    active: view.active,
    ...(enterprise !== undefined ? { [ENTERPRISE_USER_SCHEMA]: enterprise } : {}),
    ...(profile.userPrincipalName !== null ? { [DRUVA_USER_SCHEMA]: { userPrincipalName: profile.userPrincipalName } } : {}),
    // RFC 7643 §4.1.2: read-only, derived from the Groups' members; every membership is direct (groups are not nested).
    ...(view.groups && view.groups.length > 0
      ? { groups: view.groups.map(({ value, display }) => ({ value, $ref: groupLocationBeside(location, value), display, type: 'direct' })) }
      : {}),
    meta: {
      resourceType: 'User',
      created: view.created,
      lastModified: view.lastModified,
      location,
      version: versionOf(view.revision),
    },
  };
  if (derivedEmails) RESOURCES_WITH_DERIVED_EMAILS.add(resource);
  if (typeof view.displayNameDerived === 'boolean') DISPLAY_NAME_DERIVED.set(resource, view.displayNameDerived);
  return resource;
}

/** A group's URL under the same SCIM base URL as the user's `location`. */
function groupLocationBeside(userLocation: string, groupId: string): string {
  return userLocation.replace(/\/Users\/[^/]*$/, `/Groups/${encodeURIComponent(groupId)}`);
}

/** Whether a representation's display name was derived from its name, when its user's events say (rule L1). */
const DISPLAY_NAME_DERIVED = new WeakMap<object, boolean>();

export function displayNameDerivedIn(resource: ScimUserResource): boolean | undefined {
  return DISPLAY_NAME_DERIVED.get(resource);
}

/**
 * The representations whose emails were derived from the userName, not sent:
 * a PATCH that leaves them untouched must not store them as if the IdP had
 * sent them (a history entry "emails added" on every deactivation of an old user).
 */
const RESOURCES_WITH_DERIVED_EMAILS = new WeakSet<object>();

export function hasDerivedEmails(resource: ScimUserResource): boolean {
  return RESOURCES_WITH_DERIVED_EMAILS.has(resource);
}

/**
 * What a client that writes back a representation of `current` wants: emails
 * derived from the userName, sent back unchanged (Okta's GET, then PUT), stay
 * derived, not stored as if the IdP had sent them (the second attack on issue 18, B3).
 */
export function withDerivedEmailsKept(current: ScimUserResource, wanted: ScimUserInput): ScimUserInput {
  const emails = wanted.profile.attributes.emails;
  if (!hasDerivedEmails(current) || emails === undefined || !sameValue(emails, current.emails as UserAttributeValue)) return wanted;
  const { emails: _derived, ...attributes } = wanted.profile.attributes;
  return { ...wanted, profile: { ...wanted.profile, attributes } };
}

export interface ScimUserInput {
  /** Without displayName, its displayName is '' and the domain derives one from the name (rule L1). */
  readonly profile: WantedProfile;
  readonly active: boolean;
  /** Rule A4: what the body sent that is not kept (see readKeptAttributes). */
  readonly notKept: readonly string[];
}

/**
 * Reads the attributes scim-ledger keeps (rule A1) from a POST or PUT body:
 * the profile's own and, by the User schemas, every other one. What no schema
 * defines, the Druva extension's own and a password are not kept and are
 * named in notKept (rules A3, A4, L11); read-only ones (id, meta, groups) are ignored.
 */
export function readScimUser(body: unknown, keptAsRead?: KeptAttributesAsSent): ScimUserInput {
  if (!isObject(body)) throw new ScimError(400, 'the request body must be a SCIM User object', 'invalidSyntax');
  const attributes = lowerKeys(body);
  const schemas = attributes.schemas;
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.some((s) => s === CORE_USER_SCHEMA))) {
    throw new ScimError(400, `schemas must contain ${CORE_USER_SCHEMA}`, 'invalidSyntax');
  }
  const userName = optionalString(attributes.username, 'userName');
  // RFC 7643 §4.1.1 makes userName required, so a User read here always has one; what counts as missing is rule L1's (the domain's).
  if (userName === null || isMissing(userName)) throw new ScimError(400, requiredDetail('userName'), 'invalidValue');
  const name = attributes.name === undefined || attributes.name === null ? {} : lowerKeys(objectAttribute(attributes.name, 'name'));
  const druva = extension(body, DRUVA_USER_SCHEMA);
  // Read once: a handler that read the kept attributes first (to trace them, rule A4) hands them on.
  const { attributes: kept, notKept } = keptAsRead ?? readKeptAttributes(body);
  return {
    profile: {
      userName,
      email: primaryEmail(kept.emails) ?? userName,
      displayName: optionalString(attributes.displayname, 'displayName') ?? '',
      givenName: optionalString(name.givenname, 'name.givenName'),
      familyName: optionalString(name.familyname, 'name.familyName'),
      formattedName: optionalString(name.formatted, 'name.formatted'),
      externalId: optionalString(attributes.externalid, 'externalId'),
      userPrincipalName: optionalString(druva.userprincipalname, 'userPrincipalName'),
      attributes: kept,
    },
    notKept,
    active: attributes.active === undefined || attributes.active === null ? true : scimBoolean(attributes.active, 'active'),
  };
}

/**
 * Rule L1's mandatory attributes as the body sent them, with the name parts
 * a missing display name derives from, for rule M4's check on a create, made
 * before the rest of the body is read: text, or null where the attribute is
 * absent or not text (the vendor matches no mapping then). The first
 * attribute of each name wins, in any case (RFC 7643 §2.1).
 */
export function requiredAttributesAsSent(body: unknown): RequiredAttributes {
  const name = attributeOf(body, 'name');
  return {
    userName: textIn(body, 'username'),
    displayName: textIn(body, 'displayname'),
    givenName: textIn(name, 'givenname'),
    familyName: textIn(name, 'familyname'),
    formattedName: textIn(name, 'formatted'),
  };
}

function attributeOf(object: unknown, lowerName: string): unknown {
  return isObject(object) ? Object.entries(object).find(([key]) => key.toLowerCase() === lowerName)?.[1] : undefined;
}

function textIn(object: unknown, lowerName: string): string | null {
  const value = attributeOf(object, lowerName);
  return typeof value === 'string' ? value : null;
}

/** Bounds on what a create keeps for mappings, so an event stays small whatever the IdP sends. */
const MAX_IDP_ATTRIBUTES = 100;
const MAX_IDP_ATTRIBUTE_TEXT = 512;

/**
 * Rule A3: the scalar attributes a SCIM mapping may filter on, by their exact
 * (case-sensitive, rule M2) names: those of the Druva extension (city,
 * country, department…), then the top-level ones (userName, company…), then
 * the enterprise extension's (Entra sends department there). The first
 * source that has a name wins. Never the password (rule L11); complex and
 * multi-valued attributes have no single value to match and are left out.
 */
export function idpAttributesOf(body: unknown): IdpAttributes {
  if (!isObject(body)) return {};
  const attributes: Record<string, string | number | boolean> = {};
  const sources = [extensionAsSent(body, DRUVA_USER_SCHEMA), body, extensionAsSent(body, ENTERPRISE_USER_SCHEMA)];
  for (const source of sources) {
    for (const [name, value] of Object.entries(source)) {
      if (Object.keys(attributes).length >= MAX_IDP_ATTRIBUTES) return attributes;
      if (name in attributes || name.toLowerCase() === 'password' || name.toLowerCase() === 'schemas' || name.startsWith('urn:')) continue;
      // Text PostgreSQL cannot store (NUL, lone surrogates) is dropped: these attributes only feed mappings.
      if (typeof value === 'string' && value.length <= MAX_IDP_ATTRIBUTE_TEXT && isStorableText(value) && isStorableText(name)) attributes[name] = value;
      else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) attributes[name] = value;
    }
  }
  return attributes;
}

function extensionAsSent(body: Record<string, unknown>, urn: string): Record<string, unknown> {
  const key = Object.keys(body).find((k) => k.toLowerCase() === urn.toLowerCase());
  return key && isObject(body[key]) ? body[key] : {};
}

/** Entra ID sends booleans as the strings "True" and "False". */
export function scimBoolean(value: unknown, attribute: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw new ScimError(400, `${attribute} must be a boolean`, 'invalidValue');
}

/** The inSync email (rule L1) from the emails as kept: the primary, else the work one, else the first. */
function primaryEmail(emails: UserAttributeValue | undefined): string | null {
  if (!Array.isArray(emails)) return null;
  const entries = emails.filter(isObject) as Record<string, UserAttributeValue>[];
  const chosen = entries.find((e) => e.primary === true) ?? entries.find((e) => e.type === 'work') ?? entries[0];
  return chosen && typeof chosen.value === 'string' ? chosen.value : null;
}

function extension(body: Record<string, unknown>, urn: string): Record<string, unknown> {
  const key = Object.keys(body).find((k) => k.toLowerCase() === urn.toLowerCase());
  if (!key || body[key] === null || body[key] === undefined) return {};
  return lowerKeys(objectAttribute(body[key], urn));
}

/** Shape only: how long a kept attribute may be is the user decider's check, on the stored form (issue 15). */
function optionalString(value: unknown, attribute: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ScimError(400, `${attribute} must be a string`, 'invalidValue');
  if (!isStorableText(value)) throw new ScimError(400, `${attribute} may not contain U+0000 or an unpaired surrogate`, 'invalidValue');
  return value;
}

function objectAttribute(value: unknown, attribute: string): Record<string, unknown> {
  if (!isObject(value)) throw new ScimError(400, `${attribute} must be an object`, 'invalidValue');
  return value;
}

/** Attribute names are case-insensitive (RFC 7643 §2.1). */
function lowerKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k.toLowerCase(), v]));
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
