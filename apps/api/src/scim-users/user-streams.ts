import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  CommandMetadata,
  eventMetadata,
  EventMetadata,
  foldUser,
  isUserEvent,
  USER_EVENT_SCHEMA_VERSIONS,
  UserEvent,
  userStreamId,
  UserState,
} from '@scim-ledger/domain';
import { AppendResult, EVENT_STORE, EventStore, ExpectedRevision } from '@scim-ledger/event-store';
import { ScimUserView } from '@scim-ledger/scim';

export interface LoadedUser {
  readonly userId: string;
  readonly state: UserState;
  /** The stream's last revision, the expected revision of the next append. */
  readonly revision: ExpectedRevision;
  readonly created: string | null;
  readonly lastModified: string | null;
}

/** Loads a user by folding its stream and appends with an explicit expected revision (shared/STYLE.md point 5). */
@Injectable()
export class UserStreams {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async load(userId: string): Promise<LoadedUser> {
    const recorded = await this.eventStore.readStream(userStreamId(userId));
    const events = recorded.filter(isUserEvent) as unknown as UserEvent[];
    const first = recorded[0];
    const last = recorded[recorded.length - 1];
    return {
      userId,
      state: foldUser(events),
      revision: last ? last.revision : 'no_stream',
      created: first ? (first.metadata as unknown as EventMetadata).occurredAt : null,
      lastModified: last ? (last.metadata as unknown as EventMetadata).occurredAt : null,
    };
  }

  append(userId: string, events: readonly UserEvent[], expected: ExpectedRevision, metadata: CommandMetadata): Promise<AppendResult> {
    return this.eventStore.append(
      userStreamId(userId),
      events.map((event) => ({
        id: randomUUID(),
        type: event.type,
        data: event.data,
        metadata: { ...eventMetadata(metadata, USER_EVENT_SCHEMA_VERSIONS[event.type]) },
      })),
      expected,
    );
  }
}

/** The SCIM view of a user after `events` were appended to what was loaded. */
export function viewAfter(loaded: LoadedUser, events: readonly UserEvent[], revision: number, now: string): ScimUserView {
  const state = foldUser(events, loaded.state);
  if (state.status === 'Initial') throw new Error('a user without UserCreated has no view');
  return {
    id: loaded.userId,
    profile: state.profile,
    active: state.status === 'Active',
    created: loaded.created ?? now,
    lastModified: events.length > 0 ? now : (loaded.lastModified ?? now),
    revision,
  };
}
