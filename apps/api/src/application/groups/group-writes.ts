import { Inject, Injectable } from '@nestjs/common';
import {
  ActiveGroup,
  CommandMetadata,
  decideGroup,
  decideGroupNameClaim,
  DomainRefused,
  foldGroupEvents,
  GroupEvent,
  groupNameClaimStream,
  groupNameClaimStreamId,
  groupNameKey,
  GroupState,
  groupStream,
  groupStreamId,
  initialGroupState,
  MembershipChange,
} from '@scim-ledger/domain';
import {
  AppendResult,
  EVENT_STORE,
  EventStore,
  ExpectedRevision,
  StreamsPartlyAppendedError,
  StreamWrite,
  WrongExpectedRevisionError,
} from '@scim-ledger/event-store';
import { newUserId } from '@scim-ledger/platform';
import { DecidedStreams, LoadedStream, streamKindOf } from '../event-sourcing/decided-streams';
import { ReadYourWrites } from '../event-sourcing/read-your-writes';
import { StreamTurns } from '../event-sourcing/stream-turns';
import { ScimGroupsReadModel } from '../reading/scim-groups.read-model';

/** A group's fold weighs in the cache by its members, as a profile's seats do by their holders. */
const GROUPS = streamKindOf(groupStream, (state) => 1 + (state.status === 'Active' ? state.members.size / 16 : 0));
const NAME_CLAIMS = streamKindOf(groupNameClaimStream);

/** A write that lost a race decides again on the fresh streams; past this many it gives up (409). */
const MAX_ATTEMPTS = 50;

/** What a group write asks for: the group's new attributes (absent: unchanged) and its membership changes, in order. */
export interface GroupChange {
  readonly displayName?: string;
  readonly externalId?: string | null;
  readonly membership: readonly MembershipChange[];
}

/** How the caller's protocol guards a write to an existing group: SCIM's If-Match (412 on a stale one, never a retry). */
export interface GroupWriteGuard {
  readonly admit: (revision: ExpectedRevision) => void;
  readonly retry: () => boolean;
}

/** The group as a write left it, at the revision its stream is at now. */
export interface WrittenGroup {
  readonly state: GroupState;
  readonly revision: number;
  readonly created: string;
  readonly lastModified: string;
}

/**
 * Creates, changes and deletes groups (rule G1). Each attempt decides its
 * writes as data (the group's events; the display name's claim, and the old
 * name's release, when the name changes) and appends them once, at the
 * revisions it read, so that of concurrent creates or renames to one name
 * only one passes. Membership changes are deltas decided on the group as
 * loaded: a write that lost a race (Entra ID adds members to one group in
 * parallel requests) decides again on the fresh state, never writing back a
 * member list, so no change is lost. Writes of one group take turns in this
 * process; other processes are met by the expected revision.
 */
@Injectable()
export class GroupWrites {
  private readonly turns = new StreamTurns();

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly streams: DecidedStreams,
    private readonly groups: ScimGroupsReadModel,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async create(wanted: { displayName: string; externalId: string | null; members: readonly string[] }, metadata: CommandMetadata): Promise<WrittenGroup> {
    await this.refuseUnknownMembers(metadata.tenantId, [{ op: 'add', userIds: wanted.members }]);
    const groupId = newUserId();
    const events = decideGroup({ type: 'CreateGroup', data: { groupId, tenantId: metadata.tenantId, ...wanted } }, initialGroupState);
    const written = await this.appendRetrying(
      async () => {
        const claim = await this.claim(metadata.tenantId, groupId, wanted.displayName, metadata);
        return { writes: [claim, this.streams.write(groupStreamId(groupId), GROUPS, events, 'no_stream', metadata)], events, before: initialGroupState };
      },
      () => true,
      metadata,
    );
    return written;
  }

  async update(groupId: string, change: GroupChange, guard: GroupWriteGuard, metadata: CommandMetadata): Promise<WrittenGroup> {
    await this.refuseUnknownMembers(metadata.tenantId, change.membership);
    return this.turns.inTurn(groupStreamId(groupId), () =>
      this.appendRetrying(
        async () => {
          const loaded = await this.load(groupId, metadata.tenantId, guard);
          const events = decideGroup({ type: 'UpdateGroup', data: change }, loaded.state);
          const renamed = events.find((event) => event.type === 'GroupChanged');
          const group = loaded.state as ActiveGroup;
          const claims =
            renamed && groupNameKey(renamed.data.displayName) !== groupNameKey(group.displayName)
              ? [
                  await this.claim(metadata.tenantId, groupId, renamed.data.displayName, metadata),
                  await this.release(metadata.tenantId, groupId, group.displayName, metadata),
                ]
              : [];
          const own = events.length === 0 ? null : this.streams.write(groupStreamId(groupId), GROUPS, events, loaded.revision, metadata);
          return { writes: [...claims, own], events, before: loaded.state, loaded };
        },
        guard.retry,
        metadata,
      ),
    );
  }

  async delete(groupId: string, guard: GroupWriteGuard, metadata: CommandMetadata): Promise<void> {
    await this.turns.inTurn(groupStreamId(groupId), () =>
      this.appendRetrying(
        async () => {
          const loaded = await this.load(groupId, metadata.tenantId, guard);
          const events = decideGroup({ type: 'DeleteGroup', data: {} }, loaded.state);
          const group = loaded.state as ActiveGroup;
          // Rule G1: the name is free again for another group of the tenant.
          const release = await this.release(metadata.tenantId, groupId, group.displayName, metadata);
          return {
            writes: [release, this.streams.write(groupStreamId(groupId), GROUPS, events, loaded.revision, metadata)],
            events,
            before: loaded.state,
            loaded,
          };
        },
        guard.retry,
        metadata,
      ),
    );
  }

  /** The group's stream, if it is a group of this tenant (else as unknown as one that never existed, RFC 7644 §3.6). */
  private async load(groupId: string, tenantId: string, guard: GroupWriteGuard): Promise<LoadedStream<GroupState>> {
    const loaded = await this.streams.load(groupStreamId(groupId), GROUPS);
    if (loaded.state.status !== 'Active' || loaded.state.tenantId !== tenantId) throw new DomainRefused('GroupNotFound', 'Group not found');
    guard.admit(loaded.revision);
    return loaded;
  }

  /**
   * Appends one attempt's writes; a lost race decides again (unless `retry`
   * says otherwise). Only a store that appends stream by stream (EventStoreDB)
   * can fail after a claim: the claim then names a group whose stream does not
   * hold the name, and a claimer after its lease takes it over.
   */
  private async appendRetrying(
    attempt: () => Promise<{
      writes: readonly (StreamWrite | null)[];
      events: readonly GroupEvent[];
      before: GroupState;
      loaded?: LoadedStream<GroupState>;
    }>,
    retry: () => boolean,
    metadata: CommandMetadata,
  ): Promise<WrittenGroup> {
    for (let n = 1; ; n++) {
      const { writes, events, before, loaded } = await attempt();
      const appendable = writes.filter((write): write is StreamWrite => write !== null);
      if (events.length === 0) {
        // A change that changes nothing appends nothing (shared/STYLE.md point 3).
        return { state: before, revision: loaded!.revision as number, created: loaded!.created ?? '', lastModified: loaded!.lastModified ?? '' };
      }
      let results: AppendResult[];
      try {
        results = await this.appendAll(appendable);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || n >= MAX_ATTEMPTS || !retry()) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 ** n)));
        continue;
      }
      const own = results[results.length - 1];
      await this.readYourWrites.visible(own.position, metadata.requestId);
      return {
        state: foldGroupEvents(events, before),
        revision: own.nextExpectedRevision,
        created: loaded?.created ?? metadata.now,
        lastModified: metadata.now,
      };
    }
  }

  private async appendAll(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    try {
      return await this.eventStore.appendToStreams(writes);
    } catch (error) {
      if (error instanceof StreamsPartlyAppendedError) throw error.cause;
      throw error;
    }
  }

  /** The write that claims `displayName` in the tenant for this group, or null when it holds it already; GroupNameTaken when another does. */
  private async claim(tenantId: string, groupId: string, displayName: string, metadata: CommandMetadata): Promise<StreamWrite | null> {
    const key = groupNameKey(displayName);
    const streamId = groupNameClaimStreamId(tenantId, key);
    const loaded = await this.streams.load(streamId, NAME_CLAIMS);
    const holder = loaded.state.holder;
    const holderHoldsIt = holder !== null && holder.groupId !== groupId && (await this.holdsName(holder.groupId, tenantId, key));
    const events = decideGroupNameClaim({ type: 'ClaimGroupName', data: { tenantId, groupId, displayName, now: metadata.now, holderHoldsIt } }, loaded.state);
    return events.length === 0 ? null : this.streams.write(streamId, NAME_CLAIMS, events, loaded.revision, metadata);
  }

  private async release(tenantId: string, groupId: string, displayName: string, metadata: CommandMetadata): Promise<StreamWrite | null> {
    const streamId = groupNameClaimStreamId(tenantId, groupNameKey(displayName));
    const loaded = await this.streams.load(streamId, NAME_CLAIMS);
    const events = decideGroupNameClaim({ type: 'ReleaseGroupName', data: { groupId } }, loaded.state);
    return events.length === 0 ? null : this.streams.write(streamId, NAME_CLAIMS, events, loaded.revision, metadata);
  }

  /** Fact from the holder's own stream: is it, as it stands, a group of the tenant with this name? */
  private async holdsName(groupId: string, tenantId: string, key: string): Promise<boolean> {
    const { state } = await this.streams.load(groupStreamId(groupId), GROUPS);
    return state.status === 'Active' && state.tenantId === tenantId && groupNameKey(state.displayName) === key;
  }

  /**
   * Rule G1: every id a request adds must be a user of the tenant, checked in
   * one query per thousand ids before anything is decided; the first unknown
   * refuses the whole request, named.
   */
  private async refuseUnknownMembers(tenantId: string, changes: readonly MembershipChange[]): Promise<void> {
    const named = [...new Set(changes.filter((change) => change.op !== 'remove').flatMap((change) => change.userIds))];
    if (named.length === 0) return;
    const known = await this.groups.knownUserIds(tenantId, named);
    const unknown = named.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : '';
      throw new DomainRefused('UnknownGroupMember', `member "${unknown[0]}" is not a user of this tenant${more}; the whole request was refused (rule G1)`);
    }
  }
}
