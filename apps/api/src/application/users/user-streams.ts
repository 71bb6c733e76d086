import { Injectable } from '@nestjs/common';
import { CommandMetadata, foldUser, UserEvent, userStream, userStreamId, UserState } from '@scim-ledger/domain';
import { AppendResult, ExpectedRevision, StreamWrite, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { ScimUserView } from '@scim-ledger/scim';
import { Decided, DecidedStreams, LoadedStream, streamKindOf } from '../event-sourcing/decided-streams';

export interface LoadedUser extends LoadedStream<UserState> {
  readonly userId: string;
}

const USER_STREAMS = streamKindOf(userStream);

/** A user's stream: `user-<id>`. */
@Injectable()
export class UserStreams {
  constructor(private readonly streams: DecidedStreams) {}

  async load(userId: string): Promise<LoadedUser> {
    return { userId, ...(await this.streams.load(userStreamId(userId), USER_STREAMS)) };
  }

  /** See DecidedStreams.decideAndAppend. */
  async decideAndAppend(
    userId: string,
    decideOn: (loaded: LoadedUser) => readonly UserEvent[] | Promise<readonly UserEvent[]>,
    metadata: CommandMetadata,
    retry?: (conflict: WrongExpectedRevisionError) => boolean,
  ): Promise<Decided<UserState, UserEvent> & { readonly loaded: LoadedUser }> {
    const decided = await this.streams.decideAndAppend(userStreamId(userId), USER_STREAMS, (loaded) => decideOn({ userId, ...loaded }), metadata, retry);
    return { ...decided, loaded: { userId, ...decided.loaded } };
  }

  /** After a user's key is forgotten: no fold of its clear fields stays in memory (DecidedStreams.dropFolded). */
  dropFolded(userId: string): void {
    this.streams.dropFolded(userStreamId(userId));
  }

  append(userId: string, events: readonly UserEvent[], expected: ExpectedRevision, metadata: CommandMetadata): Promise<AppendResult> {
    return this.streams.append(userStreamId(userId), USER_STREAMS, events, expected, metadata);
  }

  /** The same append as one write of DecidedStreams.appendAll. */
  write(userId: string, events: readonly UserEvent[], expected: ExpectedRevision, metadata: CommandMetadata): StreamWrite {
    return this.streams.write(userStreamId(userId), USER_STREAMS, events, expected, metadata);
  }
}

/** The SCIM view of a user after `events` were appended to what was loaded. */
export function viewAfter(loaded: LoadedUser, events: readonly UserEvent[], revision: number, now: string): ScimUserView {
  const state = foldUser(events, loaded.state);
  if (state.status === 'Initial' || state.status === 'Deleted') throw new Error('a user that does not exist has no view');
  return {
    id: loaded.userId,
    profile: state.profile,
    active: state.status === 'Active',
    created: loaded.created ?? now,
    lastModified: events.length > 0 ? now : (loaded.lastModified ?? now),
    revision,
    displayNameDerived: state.displayNameDerived,
  };
}
