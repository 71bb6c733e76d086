import { IdpAttributes, PermanentDeletionReason, PreservedBy, ProvisionedBy, UserEvent, UserPlacement } from './user.events';
import { addressFault, canonicalAddress } from '../text/canonical-address';
import { fitsWidth, TEXT_WIDTH } from '../text/stored-text';
import { attributeChanges, refuseUnstorableAttributes, UserAttributes, withAttributeChanges } from './user-attributes';
import { DomainRefused } from '../domain-refused';
import { boundedNames } from '../event-metadata';
import { noMappingMatched } from '../provisioning/placement';
import { displayNameToKeep, isMissing } from './required-attributes';

/** What the IdP says a user is; the decider turns the difference into events. */
export interface UserProfile {
  readonly userName: string;
  readonly email: string;
  readonly displayName: string;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly externalId: string | null;
  readonly userPrincipalName: string | null;
  /** Everything else of the User the IdP sent, kept as sent (rule A1, revised). */
  readonly attributes: UserAttributes;
}

interface UserIdentity {
  readonly userId: string;
  readonly tenantId: string;
  readonly profile: UserProfile;
  /** 'admin' until the IdP adopts the user (rule L7). */
  readonly provisionedBy: ProvisionedBy;
  readonly placement: UserPlacement | null;
  readonly legalHold: boolean;
  /**
   * Rule L1: whether the display name was derived from name rather than sent,
   * so that a PATCH of the name moves it only then; null where the events are
   * older than the flag.
   */
  readonly displayNameDerived: boolean | null;
}

export type UserState =
  | { readonly status: 'Initial' }
  /** Deleted for good by an administrator (rule L10): nothing more can happen to it. */
  | { readonly status: 'Deleted'; readonly userId: string; readonly tenantId: string }
  | (UserIdentity & { readonly status: 'Active' })
  | (UserIdentity & { readonly status: 'Preserved'; readonly preservedBy: PreservedBy; readonly deletedInIdp: boolean });

/**
 * A profile as a request brings it: a blank displayName is an absent one,
 * derived then from the name (rule L1, revised); name.formatted comes only to
 * derive it from and is not kept.
 */
export interface WantedProfile extends UserProfile {
  readonly formattedName?: string | null;
}

export const initialUserState: UserState = { status: 'Initial' };

export type UserCommand =
  /**
   * POST from the IdP. On a new user it creates it where the mapping placed it;
   * on a user the IdP deleted it re-assigns it (rule L5); on a user an
   * administrator created it adopts it (rule L7).
   */
  | {
      readonly type: 'CreateUser';
      readonly data: {
        userId: string;
        tenantId: string;
        profile: WantedProfile;
        active: boolean;
        placement: UserPlacement | null;
        idpAttributes: IdpAttributes;
      };
    }
  /** PUT and PATCH from the IdP: the full profile and status it wants. */
  | {
      readonly type: 'UpdateUserFromIdp';
      /** ignoredAttributes: what the request sent that is not kept (rule A4), recorded when nothing else changes. */
      readonly data: { profile: WantedProfile; active: boolean; ignoredAttributes?: readonly string[] };
    }
  | { readonly type: 'DeleteUserInIdp' }
  /** An administrator creates a user by hand (it becomes SCIM-managed later by adoption, rule L7). */
  | { readonly type: 'CreateUserByAdmin'; readonly data: { userId: string; tenantId: string; profile: WantedProfile } }
  | { readonly type: 'PreserveUserByAdmin' }
  | { readonly type: 'ReactivateUserByAdmin' }
  | { readonly type: 'PlaceUserOnLegalHold' }
  | { readonly type: 'ReleaseUserFromLegalHold' }
  /** Only a preserved user off legal hold may be deleted for good (rule L10). */
  | { readonly type: 'DeleteUserPermanently'; readonly data: { reason: PermanentDeletionReason } };

export type UserRefusal =
  'UserAlreadyExists' | 'UserNotFound' | 'InvalidUser' | 'ReactivationForbidden' | 'UserNotPreserved' | 'UserOnLegalHold' | 'PlacementRequired';

/** Rule L2: these characters of userName are replaced by `_` before it becomes the email. */
export function sanitiseUserName(userName: string): string {
  return userName.replace(/[?*/\\<>]/g, '_');
}

export function decide(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'CreateUser': {
      if (state.status === 'Preserved' && state.deletedInIdp) return reassign(state, command.data.profile, command.data.active);
      if ((state.status === 'Active' || state.status === 'Preserved') && state.provisionedBy === 'admin') return adopt(state, command.data);
      if (state.status !== 'Initial') throw new DomainRefused('UserAlreadyExists', 'user already exists');
      const { userId, tenantId, active, placement, idpAttributes } = command.data;
      // Rule M4: an IdP never creates a user no mapping placed.
      if (!placement) throw new DomainRefused('PlacementRequired', noMappingMatched('No mapping placed the user.'));
      const profile = validProfile(command.data.profile);
      const created: UserEvent = {
        type: 'UserCreated',
        data: {
          userId,
          tenantId,
          ...profile,
          provisionedBy: 'idp',
          placement,
          idpAttributes: withoutPassword(idpAttributes),
          displayNameDerived: isMissing(command.data.profile.displayName),
        },
      };
      // A user pushed inactive is kept but preserved from the start (rule L4).
      return active ? [created] : [created, { type: 'UserPreserved', data: { by: 'idp', cause: 'deactivated' } }];
    }
    case 'UpdateUserFromIdp': {
      const user = visibleToIdp(state);
      const changes = [
        ...profileChanges(user.profile, validProfile(command.data.profile, user.profile), isMissing(command.data.profile.displayName)),
        ...statusChange(user, command.data.active),
      ];
      // Rule A4: a request whose only content is ignored leaves its trace; a password alone is ignored by design (L11).
      const ignored = boundedNames((command.data.ignoredAttributes ?? []).filter((name) => name.toLowerCase() !== 'password'));
      return changes.length === 0 && ignored.length > 0 ? [{ type: 'UserAttributesIgnored', data: { names: ignored } }] : changes;
    }
    case 'DeleteUserInIdp': {
      const user = visibleToIdp(state);
      // DELETE preserves, never destroys (rule L4).
      const preserve: UserEvent[] = user.status === 'Active' ? [{ type: 'UserPreserved', data: { by: 'idp', cause: 'deleted_in_idp' } }] : [];
      return [...preserve, { type: 'UserDeletedInIdp', data: {} }];
    }
    case 'CreateUserByAdmin': {
      if (state.status !== 'Initial') throw new DomainRefused('UserAlreadyExists', 'user already exists');
      const { userId, tenantId } = command.data;
      return [
        {
          type: 'UserCreated',
          data: {
            userId,
            tenantId,
            ...validProfile(command.data.profile),
            provisionedBy: 'admin',
            placement: null,
            idpAttributes: {},
            displayNameDerived: isMissing(command.data.profile.displayName),
          },
        },
      ];
    }
    case 'PreserveUserByAdmin': {
      const user = known(state);
      // Rule L6: once an administrator preserved a user, the IdP cannot reactivate it.
      if (user.status === 'Preserved' && user.preservedBy === 'admin') return [];
      return [{ type: 'UserPreserved', data: { by: 'admin', cause: 'preserved_by_admin' } }];
    }
    case 'ReactivateUserByAdmin': {
      const user = known(state);
      return user.status === 'Preserved' ? [{ type: 'UserReactivated', data: { by: 'admin' } }] : [];
    }
    case 'PlaceUserOnLegalHold':
      return known(state).legalHold ? [] : [{ type: 'UserPlacedOnLegalHold', data: {} }];
    case 'ReleaseUserFromLegalHold':
      return known(state).legalHold ? [{ type: 'UserReleasedFromLegalHold', data: {} }] : [];
    case 'DeleteUserPermanently': {
      const user = known(state);
      // Deleting a whole tenant takes its active users too; one by one, only preserved users go (rule L10).
      if (user.status !== 'Preserved' && command.data.reason !== 'tenant_deleted') {
        throw new DomainRefused('UserNotPreserved', 'only a preserved user can be deleted for good');
      }
      if (user.legalHold) throw new DomainRefused('UserOnLegalHold', 'the user is on legal hold and cannot be deleted');
      return [{ type: 'UserDeletedPermanently', data: { reason: command.data.reason } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolve(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'UserCreated': {
      const { userId, tenantId, provisionedBy, placement, idpAttributes: _unstored, displayNameDerived, ...profile } = event.data;
      return { status: 'Active', userId, tenantId, profile, provisionedBy, placement, legalHold: false, displayNameDerived: displayNameDerived ?? null };
    }
    case 'UserAdoptedByIdp':
      if (state.status === 'Initial' || state.status === 'Deleted') return state;
      return { ...state, provisionedBy: 'idp', placement: state.placement ?? event.data.placement };
    case 'UserPlacedOnLegalHold':
      if (state.status === 'Initial' || state.status === 'Deleted') return state;
      return { ...state, legalHold: true };
    case 'UserReleasedFromLegalHold':
      if (state.status === 'Initial' || state.status === 'Deleted') return state;
      return { ...state, legalHold: false };
    case 'UserRenamed': {
      const { displayNameDerived, ...names } = event.data;
      const renamed = withProfile(state, names);
      return renamed.status === 'Active' || renamed.status === 'Preserved' ? { ...renamed, displayNameDerived: displayNameDerived ?? null } : renamed;
    }
    case 'UserAttributesChanged':
      if (state.status === 'Initial' || state.status === 'Deleted') return state;
      return { ...state, profile: { ...state.profile, attributes: withAttributeChanges(state.profile.attributes, event.data.changes) } };
    case 'UserAttributesIgnored':
      return state;
    case 'UserEmailChanged':
      return withProfile(state, event.data);
    case 'UserExternalIdChanged':
      return withProfile(state, event.data);
    case 'UserPrincipalNameChanged':
      return withProfile(state, event.data);
    case 'UserPreserved':
      if (state.status === 'Initial' || state.status === 'Deleted') return state;
      return { ...state, status: 'Preserved', preservedBy: event.data.by, deletedInIdp: false };
    case 'UserReactivated': {
      if (state.status === 'Initial' || state.status === 'Deleted') return state;
      const { userId, tenantId, profile, provisionedBy, placement, legalHold, displayNameDerived } = state;
      return { status: 'Active', userId, tenantId, profile, provisionedBy, placement, legalHold, displayNameDerived };
    }
    case 'UserDeletedInIdp':
      if (state.status !== 'Preserved') return state;
      return { ...state, deletedInIdp: true };
    case 'UserDeletedPermanently':
      if (state.status === 'Initial' || state.status === 'Deleted') return state;
      return { status: 'Deleted', userId: state.userId, tenantId: state.tenantId };
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

export function foldUser(events: readonly UserEvent[], state: UserState = initialUserState): UserState {
  return events.reduce(evolve, state);
}

/**
 * The key under which a userName, which is the inSync email (rule L2), is
 * unique (rule L8): canonical, then sanitised, so that what NFKC turns into
 * `? * / \ < >` (fullwidth and small forms) is sanitised too. The read
 * model's lookup columns and the filters use it, so an IdP's lookup by the
 * name it sent finds the user stored under the sanitised name.
 */
export function emailKey(userName: string): string {
  // Sanitised first as well: the key of what was sent must be the key of what is stored (sanitised), or a
  // holder would not own its own claim (`<` + U+0338 composes to ≮ under NFKC, `_` + U+0338 does not).
  return sanitiseUserName(canonicalAddress(sanitiseUserName(userName)));
}

/** Whether this user, as it stands, owns the address (an IdP-deleted user keeps it: rule L5). */
export function holdsEmail(state: UserState, key: string): boolean {
  return (state.status === 'Active' || state.status === 'Preserved') && emailKey(state.profile.userName) === key;
}

/**
 * Rule L5: the IdP assigning a deleted user again brings the preserved user
 * back, history intact, instead of creating a second one; rule L6 still holds.
 */
function reassign(state: Extract<UserState, { status: 'Preserved' }>, wanted: WantedProfile, active: boolean): UserEvent[] {
  if (state.preservedBy === 'admin') {
    throw new DomainRefused('ReactivationForbidden', 'user was preserved by an administrator and cannot be reactivated from the IdP');
  }
  const back: UserEvent[] = [
    ...profileChanges(state.profile, validProfile(wanted, state.profile), isMissing(wanted.displayName)),
    { type: 'UserReactivated', data: { by: 'idp' } },
  ];
  return active ? back : [...back, { type: 'UserPreserved', data: { by: 'idp', cause: 'deactivated' } }];
}

/**
 * Rule L7: the IdP pushes the email of a user an administrator created. The
 * user becomes SCIM-managed, placed by the mapping if it had no place yet,
 * and takes the IdP's profile and status (rule L6 still holds).
 */
function adopt(state: KnownUser, data: Extract<UserCommand, { type: 'CreateUser' }>['data']): UserEvent[] {
  const adopted: UserEvent = {
    type: 'UserAdoptedByIdp',
    data: { placement: state.placement ? null : data.placement, idpAttributes: withoutPassword(data.idpAttributes) },
  };
  return [
    adopted,
    ...profileChanges(state.profile, validProfile(data.profile, state.profile), isMissing(data.profile.displayName)),
    ...statusChange(state, data.active),
  ];
}

/** Rule L11: a password is never stored, not even among the attributes kept for mappings. */
function withoutPassword(attributes: IdpAttributes): IdpAttributes {
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => name.toLowerCase() !== 'password'));
}

/** A user with a profile: created and not deleted for good. */
export type KnownUser = Extract<UserState, { status: 'Active' | 'Preserved' }>;

function known(state: UserState): KnownUser {
  if (state.status === 'Initial' || state.status === 'Deleted') throw new DomainRefused('UserNotFound', 'user not found');
  return state;
}

function visibleToIdp(state: UserState): KnownUser {
  // After a DELETE the resource no longer exists for the IdP (rule L4 decision, RFC 7644 §3.6).
  if (state.status === 'Initial' || state.status === 'Deleted' || (state.status === 'Preserved' && state.deletedInIdp)) {
    throw new DomainRefused('UserNotFound', 'user not found');
  }
  return state;
}

/** `current`: the user's profile as it stands, for a change of an existing user. */
function validProfile(wanted: WantedProfile, current?: UserProfile): UserProfile {
  // Rule L1: userName and a display name are mandatory, the display name derived from the name when absent; the email defaults to the userName.
  const displayName = displayNameToKeep(wanted);
  const { formattedName: _derivedFromOnly, ...profile } = wanted;
  const userName = sanitiseUserName(profile.userName);
  const email = profile.email.trim() ? profile.email : userName;
  const valid = { ...profile, displayName, userName, email };
  refuseWhatCannotBeStored(valid, displayName !== wanted.displayName);
  refuseUnstorableAttributes(valid.attributes, current?.attributes);
  return valid;
}

/**
 * Every user attribute checked once, here, on the form it is stored in: as
 * sent, and for the two addresses also their canonical form, which the read
 * model keeps beside them for lookups (issue 15: 300 × İ fits 512 characters
 * but folds to 612). Characters, as PostgreSQL's varchar counts them.
 */
function refuseWhatCannotBeStored(profile: UserProfile, displayNameDerived: boolean): void {
  const width = TEXT_WIDTH.userAttribute;
  const { attributes: _boundedApart, ...named } = profile;
  for (const [attribute, value] of Object.entries(named) as [keyof UserProfile, string | null][]) {
    if (value === null) continue;
    const address = attribute === 'userName' || attribute === 'email';
    if (!fitsWidth(width, value, ...(address ? [canonicalAddress(value)] : []))) {
      // A display name the IdP did not send is named as what it is: the IdP's admin looks for it in the request otherwise.
      const named = attribute === 'displayName' && displayNameDerived ? 'displayName (derived from name, rule L1)' : attribute;
      throw new DomainRefused('InvalidUser', `${named} is longer than ${width} characters${address ? ' (as compared, after case folding)' : ''}`);
    }
    const fault = address ? addressFault(value) : null;
    if (fault) throw new DomainRefused('InvalidUser', `${attribute} ${fault}`);
  }
}

function profileChanges(current: UserProfile, wanted: UserProfile, displayNameDerived: boolean): UserEvent[] {
  const events: UserEvent[] = [];
  if (current.displayName !== wanted.displayName || current.givenName !== wanted.givenName || current.familyName !== wanted.familyName) {
    const { displayName, givenName, familyName } = wanted;
    events.push({ type: 'UserRenamed', data: { displayName, givenName, familyName, displayNameDerived } });
  }
  if (current.userName !== wanted.userName || current.email !== wanted.email) {
    events.push({ type: 'UserEmailChanged', data: { userName: wanted.userName, email: wanted.email } });
  }
  if (current.externalId !== wanted.externalId) {
    events.push({ type: 'UserExternalIdChanged', data: { externalId: wanted.externalId } });
  }
  if (current.userPrincipalName !== wanted.userPrincipalName) {
    events.push({ type: 'UserPrincipalNameChanged', data: { userPrincipalName: wanted.userPrincipalName } });
  }
  const changes = attributeChanges(current.attributes, wanted.attributes);
  if (changes.length > 0) events.push({ type: 'UserAttributesChanged', data: { changes } });
  return events;
}

function statusChange(user: KnownUser, active: boolean): UserEvent[] {
  if (user.status === 'Active') {
    return active ? [] : [{ type: 'UserPreserved', data: { by: 'idp', cause: 'deactivated' } }];
  }
  if (!active) return [];
  // Rule L6: a user preserved by an administrator stays preserved.
  if (user.preservedBy === 'admin') {
    throw new DomainRefused('ReactivationForbidden', 'user was preserved by an administrator and cannot be reactivated from the IdP');
  }
  return [{ type: 'UserReactivated', data: { by: 'idp' } }];
}

function withProfile(state: UserState, change: Partial<UserProfile>): UserState {
  if (state.status === 'Initial' || state.status === 'Deleted') return state;
  return { ...state, profile: { ...state.profile, ...change } };
}
