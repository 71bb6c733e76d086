import { DomainRefused } from '../domain-refused';
import { fitsWidth, TEXT_WIDTH } from '../text/stored-text';
import { simpleLowerCase } from '../text/simple-lower-case';
import type { GroupEvent } from './group.events';

/** Why a write to a group was refused. */
export type GroupRefusal =
  /** Not a group of this tenant, or deleted (RFC 7644 §3.6: as unknown as one that never existed). */
  | 'GroupNotFound'
  /** Rule G1 (and Entra's requirement): a display name names one group of a tenant, whatever its case. */
  | 'GroupNameTaken'
  /** A display name or externalId the group cannot keep (empty, or wider than the read model holds). */
  | 'InvalidGroup'
  /** Rule G1: a member must be a user of the group's tenant; the whole request is refused, naming it. */
  | 'UnknownGroupMember';

export type GroupState =
  | { readonly status: 'Initial' }
  | {
      readonly status: 'Active';
      readonly groupId: string;
      readonly tenantId: string;
      readonly displayName: string;
      readonly externalId: string | null;
      /** A set: adding a member twice keeps one, removing an absent one changes nothing. */
      readonly members: ReadonlySet<string>;
    }
  | { readonly status: 'Deleted'; readonly groupId: string; readonly tenantId: string };

export type ActiveGroup = Extract<GroupState, { status: 'Active' }>;

export const initialGroupState: GroupState = { status: 'Initial' };

/**
 * One PATCH operation on `members` (RFC 7644 §3.5.2), or a PUT's whole list
 * (`replace`): applied in order, so a request's net change is what is appended.
 */
export type MembershipChange =
  | { readonly op: 'add'; readonly userIds: readonly string[] }
  | { readonly op: 'remove'; readonly userIds: readonly string[] }
  | { readonly op: 'replace'; readonly userIds: readonly string[] };

export type GroupCommand =
  | {
      readonly type: 'CreateGroup';
      readonly data: { groupId: string; tenantId: string; displayName: string; externalId: string | null; members: readonly string[] };
    }
  | {
      readonly type: 'UpdateGroup';
      /** An attribute left out stays as it is. */
      readonly data: { displayName?: string; externalId?: string | null; membership: readonly MembershipChange[] };
    }
  | { readonly type: 'DeleteGroup'; readonly data: Record<string, never> };

/** The key display names are unique by in a tenant: case-insensitive, as SCIM's displayName is (RFC 7643 §4.2). */
export function groupNameKey(displayName: string): string {
  return simpleLowerCase(displayName.trim());
}

export function decideGroup(command: GroupCommand, state: GroupState): GroupEvent[] {
  switch (command.type) {
    case 'CreateGroup': {
      if (state.status !== 'Initial') throw new Error(`group ${command.data.groupId} exists already: a new group gets a new id`);
      const { groupId, tenantId, displayName, externalId } = command.data;
      refuseUnkeepable(displayName, externalId);
      const members = [...new Set(command.data.members)];
      members.forEach(refuseUnkeepableMember);
      return [{ type: 'GroupCreated', data: { groupId, tenantId, displayName, externalId, members } }];
    }
    case 'UpdateGroup': {
      const group = activeGroup(state);
      const displayName = command.data.displayName ?? group.displayName;
      const externalId = command.data.externalId === undefined ? group.externalId : command.data.externalId;
      refuseUnkeepable(displayName, externalId);
      const events: GroupEvent[] = [];
      if (displayName !== group.displayName || externalId !== group.externalId) events.push({ type: 'GroupChanged', data: { displayName, externalId } });
      const delta = membershipDelta(group.members, command.data.membership);
      if (delta.added.length > 0 || delta.removed.length > 0) events.push({ type: 'GroupMembersChanged', data: delta });
      return events;
    }
    case 'DeleteGroup':
      activeGroup(state);
      return [{ type: 'GroupDeleted', data: {} }];
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * The request's operations applied in order to the members as they stand,
 * as the net delta: an id added and removed again in one request is neither.
 */
export function membershipDelta(members: ReadonlySet<string>, changes: readonly MembershipChange[]): { added: string[]; removed: string[] } {
  // Only the ids a change names are tracked, so a PATCH of one member never copies a group of 100,000.
  const wanted = new Map<string, boolean>();
  for (const change of changes) {
    change.userIds.forEach(refuseUnkeepableMember);
    switch (change.op) {
      case 'add':
        for (const id of change.userIds) wanted.set(id, true);
        break;
      case 'remove':
        for (const id of change.userIds) wanted.set(id, false);
        break;
      case 'replace': {
        const kept = new Set(change.userIds);
        for (const id of members) if (!kept.has(id)) wanted.set(id, false);
        for (const [id, member] of wanted) if (member && !kept.has(id)) wanted.set(id, false);
        for (const id of kept) wanted.set(id, true);
        break;
      }
      default: {
        const unknown: never = change;
        throw new Error(`unknown membership change ${JSON.stringify(unknown)}`);
      }
    }
  }
  const added: string[] = [];
  const removed: string[] = [];
  for (const [id, member] of wanted) {
    if (member && !members.has(id)) added.push(id);
    else if (!member && members.has(id)) removed.push(id);
  }
  return { added, removed };
}

export function evolveGroup(state: GroupState, event: GroupEvent): GroupState {
  return foldGroupEvents([event], state);
}

/**
 * Folds many events copying the member set once, not once per event: a
 * stream of many single-member PATCHes folds in time linear in its length.
 * `state` is never changed (a cached fold goes on from it).
 */
export function foldGroupEvents(events: readonly GroupEvent[], state: GroupState): GroupState {
  let current = state;
  let owned: Set<string> | null = null;
  for (const event of events) {
    switch (event.type) {
      case 'GroupCreated': {
        const { groupId, tenantId, displayName, externalId, members } = event.data;
        owned = new Set(members);
        current = { status: 'Active', groupId, tenantId, displayName, externalId, members: owned };
        break;
      }
      case 'GroupChanged':
        if (current.status === 'Active') current = { ...current, ...event.data };
        break;
      case 'GroupMembersChanged': {
        if (current.status !== 'Active') break;
        if (owned === null) owned = new Set(current.members);
        for (const id of event.data.added) owned.add(id);
        for (const id of event.data.removed) owned.delete(id);
        current = { ...current, members: owned };
        break;
      }
      case 'GroupDeleted':
        if (current.status === 'Active') current = { status: 'Deleted', groupId: current.groupId, tenantId: current.tenantId };
        owned = null;
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unknown event ${JSON.stringify(unknown)}`);
      }
    }
  }
  return current;
}

function activeGroup(state: GroupState): ActiveGroup {
  if (state.status !== 'Active') throw new DomainRefused('GroupNotFound', 'Group not found');
  return state;
}

/** Every bound checked on the value as stored, before the append (shared/STYLE.md point 20). */
function refuseUnkeepable(displayName: string, externalId: string | null): void {
  if (displayName.trim() === '') throw new DomainRefused('InvalidGroup', 'a group needs a displayName (RFC 7643 §4.2)');
  if (!fitsWidth(TEXT_WIDTH.userAttribute, displayName, groupNameKey(displayName))) {
    throw new DomainRefused('InvalidGroup', `displayName is longer than ${TEXT_WIDTH.userAttribute} characters`);
  }
  if (externalId !== null && !fitsWidth(TEXT_WIDTH.userAttribute, externalId)) {
    throw new DomainRefused('InvalidGroup', `externalId is longer than ${TEXT_WIDTH.userAttribute} characters`);
  }
}

/** An id wider than a user's names no user (TEXT_WIDTH.userId). */
function refuseUnkeepableMember(userId: string): void {
  if (userId === '' || !fitsWidth(TEXT_WIDTH.userId, userId)) {
    throw new DomainRefused('UnknownGroupMember', `member "${userId}" is not a user of this tenant`);
  }
}
