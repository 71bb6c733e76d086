import { listedIn } from '../event-metadata';

/**
 * Rule G1: a tenant's SCIM Group is a stream of its own. Members are user ids
 * of the same tenant; a display name is not personal data, so no group event
 * holds any and none is sealed.
 */
export interface GroupCreated {
  readonly type: 'GroupCreated';
  readonly data: {
    readonly groupId: string;
    readonly tenantId: string;
    readonly displayName: string;
    readonly externalId: string | null;
    /** The members the IdP created the group with: user ids. */
    readonly members: readonly string[];
  };
}

/** The group's own attributes as they are now (displayName, externalId), both given even when one stayed. */
export interface GroupChanged {
  readonly type: 'GroupChanged';
  readonly data: { readonly displayName: string; readonly externalId: string | null };
}

/**
 * One request's membership change, as deltas only: a PATCH adding one member
 * to a group of 100,000 appends one id, never the list (issue 19).
 */
export interface GroupMembersChanged {
  readonly type: 'GroupMembersChanged';
  readonly data: { readonly added: readonly string[]; readonly removed: readonly string[] };
}

/** Rule G1: deleting a group removes only the group; its members stay as they are. */
export interface GroupDeleted {
  readonly type: 'GroupDeleted';
  readonly data: Record<string, never>;
}

export type GroupEvent = GroupCreated | GroupChanged | GroupMembersChanged | GroupDeleted;

export const GROUP_EVENT_SCHEMA_VERSIONS: Readonly<Record<GroupEvent['type'], number>> = {
  GroupCreated: 1,
  GroupChanged: 1,
  GroupMembersChanged: 1,
  GroupDeleted: 1,
};

export function isGroupEvent(event: { type: string }): event is GroupEvent {
  return listedIn(GROUP_EVENT_SCHEMA_VERSIONS, event);
}
