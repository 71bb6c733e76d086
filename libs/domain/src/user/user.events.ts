/**
 * Event types are stable past-tense strings, independent of class names, each
 * with a schema version (shared/STYLE.md point 4).
 */
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
  };
}

/** Display name or name parts changed in the IdP (rule L3). */
export interface UserRenamed {
  readonly type: 'UserRenamed';
  readonly data: { readonly displayName: string; readonly givenName: string | null; readonly familyName: string | null };
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

/**
 * An administrator deleted a preserved user for good (rule L10). The stream
 * stays for the audit trail; the read model drops the user.
 */
export interface UserDeletedPermanently {
  readonly type: 'UserDeletedPermanently';
  readonly data: Record<string, never>;
}

export type UserEvent =
  | UserDeletedPermanently
  | UserCreated
  | UserRenamed
  | UserEmailChanged
  | UserExternalIdChanged
  | UserPrincipalNameChanged
  | UserPreserved
  | UserReactivated
  | UserDeletedInIdp;

export type UserEventType = UserEvent['type'];

export const USER_EVENT_SCHEMA_VERSIONS: Readonly<Record<UserEventType, number>> = {
  UserCreated: 1,
  UserRenamed: 1,
  UserEmailChanged: 1,
  UserExternalIdChanged: 1,
  UserPrincipalNameChanged: 1,
  UserPreserved: 1,
  UserReactivated: 1,
  UserDeletedInIdp: 1,
  UserDeletedPermanently: 1,
};

export function isUserEvent(event: { type: string }): event is UserEvent {
  return Object.prototype.hasOwnProperty.call(USER_EVENT_SCHEMA_VERSIONS, event.type);
}

export const userStreamId = (userId: string) => `user-${userId}`;
