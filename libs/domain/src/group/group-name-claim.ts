import { createHash } from 'node:crypto';
import { DomainRefused } from '../domain-refused';
import { listedIn } from '../event-metadata';

/**
 * Rule G1 and Entra's requirement: a display name names at most one group of
 * a tenant. Each (tenant, name key) has a claim stream, appended in the same
 * multi-stream write as the group's own event, so of two concurrent creates
 * or renames to one name the event store's expected-revision check lets one
 * through, as address claims do for users (rules L8, L9); a look at the read
 * model could not.
 */
export interface GroupNameClaimed {
  readonly type: 'GroupNameClaimed';
  readonly data: {
    readonly tenantId: string;
    readonly groupId: string;
    readonly claimedAt: string;
    /** The holder that no longer held the name (its create never completed, on a store that appends stream by stream). */
    readonly replacedGroupId: string | null;
  };
}

/** The group was renamed away or deleted: the name is free again. */
export interface GroupNameReleased {
  readonly type: 'GroupNameReleased';
  readonly data: { readonly groupId: string };
}

export type GroupNameClaimEvent = GroupNameClaimed | GroupNameReleased;

export const GROUP_NAME_CLAIM_EVENT_SCHEMA_VERSIONS: Readonly<Record<GroupNameClaimEvent['type'], number>> = {
  GroupNameClaimed: 1,
  GroupNameReleased: 1,
};

export function isGroupNameClaimEvent(event: { type: string }): event is GroupNameClaimEvent {
  return listedIn(GROUP_NAME_CLAIM_EVENT_SCHEMA_VERSIONS, event);
}

export interface GroupNameClaimState {
  readonly holder: { readonly groupId: string; readonly tenantId: string; readonly claimedAt: string } | null;
}

/**
 * How long a claim whose group does not hold the name yet stays its writer's:
 * on a store that appends stream by stream (EventStoreDB) the claim lands
 * before the group's own event, and a second create in between must not take
 * the name over (as an address's lease, rule L9).
 */
export const GROUP_NAME_CLAIM_LEASE_MS = 60_000;

export const initialGroupNameClaim: GroupNameClaimState = { holder: null };

export type GroupNameClaimCommand =
  | {
      readonly type: 'ClaimGroupName';
      readonly data: {
        tenantId: string;
        groupId: string;
        displayName: string;
        now: string;
        /** Fact from the holder's own stream: is that group, as it stands, named so? */
        holderHoldsIt: boolean;
      };
    }
  | { readonly type: 'ReleaseGroupName'; readonly data: { groupId: string } };

/** The claim stream's id part: a digest, so that an id's length never depends on the name. */
export function groupNameDigest(tenantId: string, nameKey: string): string {
  return createHash('sha256').update(`${tenantId}\n${nameKey}`).digest('hex');
}

export function decideGroupNameClaim(command: GroupNameClaimCommand, state: GroupNameClaimState): GroupNameClaimEvent[] {
  switch (command.type) {
    case 'ClaimGroupName': {
      const { tenantId, groupId, displayName, now, holderHoldsIt } = command.data;
      const holder = state.holder;
      if (!holder) return [{ type: 'GroupNameClaimed', data: { tenantId, groupId, claimedAt: now, replacedGroupId: null } }];
      if (holder.groupId === groupId) return [];
      if (holderHoldsIt) throw new DomainRefused('GroupNameTaken', `a group named "${displayName}" exists already`);
      if (Date.parse(now) - Date.parse(holder.claimedAt) < GROUP_NAME_CLAIM_LEASE_MS) {
        throw new DomainRefused('GroupNameTaken', `a group named "${displayName}" is being created or renamed by another request`);
      }
      return [{ type: 'GroupNameClaimed', data: { tenantId, groupId, claimedAt: now, replacedGroupId: holder.groupId } }];
    }
    case 'ReleaseGroupName':
      return state.holder?.groupId === command.data.groupId ? [{ type: 'GroupNameReleased', data: command.data }] : [];
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolveGroupNameClaim(state: GroupNameClaimState, event: GroupNameClaimEvent): GroupNameClaimState {
  switch (event.type) {
    case 'GroupNameClaimed':
      return { holder: { groupId: event.data.groupId, tenantId: event.data.tenantId, claimedAt: event.data.claimedAt } };
    case 'GroupNameReleased':
      return state.holder?.groupId === event.data.groupId ? { holder: null } : state;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}
