import { categoryStreamName, storedAsIs, StreamModule } from '../stream-module';
import { decideGroup, evolveGroup, foldGroupEvents, GroupCommand, GroupState, initialGroupState } from './group.decider';
import { GROUP_EVENT_SCHEMA_VERSIONS, GroupEvent, isGroupEvent } from './group.events';
import {
  decideGroupNameClaim,
  evolveGroupNameClaim,
  GROUP_NAME_CLAIM_EVENT_SCHEMA_VERSIONS,
  groupNameDigest,
  GroupNameClaimCommand,
  GroupNameClaimEvent,
  GroupNameClaimState,
  initialGroupNameClaim,
  isGroupNameClaimEvent,
} from './group-name-claim';

/** A group is one stream, `group-<groupId>` (rule G1); its events name no person (members are user ids). */
export const groupStream: StreamModule<string, GroupCommand, GroupEvent, GroupState> = {
  name: categoryStreamName('group'),
  events: { schemaVersions: GROUP_EVENT_SCHEMA_VERSIONS, isEvent: isGroupEvent, upcast: storedAsIs },
  initialState: initialGroupState,
  evolve: evolveGroup,
  decide: decideGroup,
  fold: foldGroupEvents,
};

export const groupStreamId = (groupId: string): string => groupStream.name.streamId(groupId);
/** The group a stream belongs to, or null for a stream of another kind. */
export const groupIdOfStream = (streamId: string): string | null => groupStream.name.parse(streamId);

/**
 * A display name's claim in a tenant is one stream, `groupname-<digest>`
 * (its own category: `group-name-…` would read as a group's stream).
 */
export const groupNameClaimStream: StreamModule<string, GroupNameClaimCommand, GroupNameClaimEvent, GroupNameClaimState> = {
  name: categoryStreamName('groupname'),
  events: { schemaVersions: GROUP_NAME_CLAIM_EVENT_SCHEMA_VERSIONS, isEvent: isGroupNameClaimEvent, upcast: storedAsIs },
  initialState: initialGroupNameClaim,
  evolve: evolveGroupNameClaim,
  decide: decideGroupNameClaim,
};

/** The claim stream of a name key (groupNameKey) in a tenant. */
export const groupNameClaimStreamId = (tenantId: string, nameKey: string): string => groupNameClaimStream.name.streamId(groupNameDigest(tenantId, nameKey));
