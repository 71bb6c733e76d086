import { listedIn } from '../event-metadata';
import type { StoredEvent } from '../stream-module';
import type { Quota } from '../tenant/tenant.events';
import type { UserAttributeChange, UserAttributes } from './user-attributes';

/**
 * Event types are stable past-tense strings, independent of class names, each
 * with a schema version (shared/STYLE.md point 4).
 */

/** Who brought the user in: the IdP over SCIM, or an administrator by hand (rule L7). */
export type ProvisionedBy = 'idp' | 'admin';

/** Where a SCIM mapping sent the user when it was created or adopted (rules M1, M3). */
export interface UserPlacement {
  readonly mappingId: string;
  readonly profileId: string;
  readonly storageId: string;
  readonly quota: Quota;
  readonly sendActivationEmail: boolean;
}

/**
 * Rule A3: attributes the IdP sent that are not stored on the user, kept here
 * only so a replay shows why a mapping matched. Scalars only; never a password (L11).
 */
export type IdpAttributes = Readonly<Record<string, string | number | boolean>>;

/** Version 2 added provisionedBy, placement and idpAttributes; version 3 the kept attributes (rule A1; see upcastUserEvent). */
export interface UserCreated {
  readonly type: 'UserCreated';
  readonly data: {
    readonly userId: string;
    readonly tenantId: string;
    readonly userName: string;
    readonly email: string;
    readonly displayName: string;
    readonly givenName: string | null;
    readonly familyName: string | null;
    readonly externalId: string | null;
    readonly userPrincipalName: string | null;
    readonly provisionedBy: ProvisionedBy;
    readonly placement: UserPlacement | null;
    readonly idpAttributes: IdpAttributes;
    readonly attributes: UserAttributes;
    /** Rule L1: the display name was derived from name, not sent; absent in events written before. */
    readonly displayNameDerived?: boolean;
  };
}

/**
 * Rule A1: attributes kept beside the profile changed (title, phoneNumbers,
 * name.middleName, the enterprise department…), each with its value before
 * and after, so the history shows a diff (issue 18, item 2).
 */
export interface UserAttributesChanged {
  readonly type: 'UserAttributesChanged';
  readonly data: { readonly changes: readonly UserAttributeChange[] };
}

/**
 * Rule A4: a PUT or PATCH whose only content is not kept on the user (the
 * Druva extension's city after the create, an attribute no schema defines):
 * nothing changed, and this says what was sent, so that support finds it.
 */
export interface UserAttributesIgnored {
  readonly type: 'UserAttributesIgnored';
  readonly data: { readonly names: readonly string[] };
}

/** Rule L7: the IdP pushed the email of a user an administrator created; that user is now SCIM-managed. */
export interface UserAdoptedByIdp {
  readonly type: 'UserAdoptedByIdp';
  readonly data: { readonly placement: UserPlacement | null; readonly idpAttributes: IdpAttributes };
}

/** Rule L10: a user on legal hold is never deleted for good, not even automatically. */
export interface UserPlacedOnLegalHold {
  readonly type: 'UserPlacedOnLegalHold';
  readonly data: Record<string, never>;
}

export interface UserReleasedFromLegalHold {
  readonly type: 'UserReleasedFromLegalHold';
  readonly data: Record<string, never>;
}

/** Display name or name parts changed in the IdP (rule L3). */
export interface UserRenamed {
  readonly type: 'UserRenamed';
  readonly data: {
    readonly displayName: string;
    readonly givenName: string | null;
    readonly familyName: string | null;
    /** As UserCreated's; absent in events written before issue 18. */
    readonly displayNameDerived?: boolean;
  };
}

/** userName and with it the inSync email changed; the identity stays (rule L3). */
export interface UserEmailChanged {
  readonly type: 'UserEmailChanged';
  readonly data: { readonly userName: string; readonly email: string };
}

export interface UserExternalIdChanged {
  readonly type: 'UserExternalIdChanged';
  readonly data: { readonly externalId: string | null };
}

/** The UPN comes only from the IdP (rule A2). */
export interface UserPrincipalNameChanged {
  readonly type: 'UserPrincipalNameChanged';
  readonly data: { readonly userPrincipalName: string | null };
}

export type PreservedBy = 'idp' | 'admin';

/** Backups stop, the user and its data stay (rule L4). */
export interface UserPreserved {
  readonly type: 'UserPreserved';
  readonly data: { readonly by: PreservedBy; readonly cause: 'deactivated' | 'deleted_in_idp' | 'preserved_by_admin' };
}

export interface UserReactivated {
  readonly type: 'UserReactivated';
  readonly data: { readonly by: PreservedBy };
}

/** After a DELETE the resource is gone for the IdP, the user stays Preserved (rule L4 decision). */
export interface UserDeletedInIdp {
  readonly type: 'UserDeletedInIdp';
  readonly data: Record<string, never>;
}

/** tenant_deleted: the operator deleted the whole tenant, active users included. */
export type PermanentDeletionReason = 'deleted_by_admin' | 'auto_delete_preserved' | 'tenant_deleted';

/**
 * A preserved user deleted for good (rule L10), by an administrator or by the
 * profile's auto-delete period. The stream stays for the audit trail; the
 * read model drops the user. Version 2 added the reason.
 */
export interface UserDeletedPermanently {
  readonly type: 'UserDeletedPermanently';
  readonly data: { readonly reason: PermanentDeletionReason };
}

export type UserEvent =
  | UserDeletedPermanently
  | UserAdoptedByIdp
  | UserPlacedOnLegalHold
  | UserReleasedFromLegalHold
  | UserCreated
  | UserRenamed
  | UserAttributesChanged
  | UserAttributesIgnored
  | UserEmailChanged
  | UserExternalIdChanged
  | UserPrincipalNameChanged
  | UserPreserved
  | UserReactivated
  | UserDeletedInIdp;

export type UserEventType = UserEvent['type'];

export const USER_EVENT_SCHEMA_VERSIONS: Readonly<Record<UserEventType, number>> = {
  UserCreated: 3,
  UserAdoptedByIdp: 1,
  UserPlacedOnLegalHold: 1,
  UserReleasedFromLegalHold: 1,
  UserRenamed: 1,
  UserAttributesChanged: 1,
  UserAttributesIgnored: 1,
  UserEmailChanged: 1,
  UserExternalIdChanged: 1,
  UserPrincipalNameChanged: 1,
  UserPreserved: 1,
  UserReactivated: 1,
  UserDeletedInIdp: 1,
  UserDeletedPermanently: 2,
};

export function isUserEvent(event: { type: string }): event is UserEvent {
  return listedIn(USER_EVENT_SCHEMA_VERSIONS, event);
}

/**
 * Old versions are upcast on read, never rewritten (shared/STYLE.md point 4):
 * the current shape of a stored user event, whatever version wrote it.
 * - UserCreated v1 had no provisionedBy, placement or idpAttributes: the
 *   actor tells who provisioned it; v1 users were never placed by a mapping.
 * - UserCreated v2 had no kept attributes: only the profile was stored then (rule A1 before issue 18).
 * - UserDeletedPermanently v1 had no reason: only administrators deleted then.
 */
export function upcastUserEvent(stored: StoredEvent): UserEvent {
  const version = typeof stored.metadata.schemaVersion === 'number' ? stored.metadata.schemaVersion : 1;
  if (stored.type === 'UserCreated' && version < 2) {
    const actor = stored.metadata.actor as { kind?: string } | undefined;
    const provisionedBy: ProvisionedBy = actor?.kind === 'admin-credential' || actor?.kind === 'operator' ? 'admin' : 'idp';
    return { type: 'UserCreated', data: { ...(stored.data as UserCreated['data']), provisionedBy, placement: null, idpAttributes: {}, attributes: {} } };
  }
  if (stored.type === 'UserCreated' && version < 3) {
    return { type: 'UserCreated', data: { ...(stored.data as UserCreated['data']), attributes: {} } };
  }
  if (stored.type === 'UserDeletedPermanently' && version < 2) {
    return { type: 'UserDeletedPermanently', data: { reason: 'deleted_by_admin' } };
  }
  return { type: stored.type, data: stored.data } as UserEvent;
}
