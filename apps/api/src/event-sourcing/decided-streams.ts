import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CommandMetadata, eventMetadata, EventMetadata } from '@scim-ledger/domain';
import { AppendResult, EVENT_STORE, EventStore, ExpectedRevision, RecordedEvent, StreamWrite, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { StreamTurns } from './stream-turns';

/** What folding one stream gave: its state, and the revision the next append expects. */
export interface LoadedStream<S> {
  readonly state: S;
  readonly revision: ExpectedRevision;
  readonly created: string | null;
  readonly lastModified: string | null;
}

/** How many times a write that lost a race decides again on the fresh state. */
const MAX_ATTEMPTS = 10;

export interface Decided<S, E> {
  readonly loaded: LoadedStream<S>;
  readonly events: readonly E[];
  /** Null when the decider emitted nothing, so nothing was appended. */
  readonly appended: AppendResult | null;
}

export interface StreamKind<S, E extends { readonly type: string; readonly data: object }> {
  readonly isEvent: (event: { type: string }) => boolean;
  readonly fold: (events: readonly E[]) => S;
  readonly schemaVersions: Readonly<Record<E['type'], number>>;
  /** Turns a stored event of any schema version into the current shape (shared/STYLE.md point 4). */
  readonly upcast?: (stored: RecordedEvent) => E;
}

/**
 * Loads a decider's state by folding its stream and appends what it decided
 * with an explicit expected revision and the command's metadata on every
 * event (shared/STYLE.md points 2 and 5). Users and tenants both go through it.
 */
@Injectable()
export class DecidedStreams {
  /** Writes to one stream take turns in this process. */
  private readonly turns = new StreamTurns();

  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async load<S, E extends { readonly type: string; readonly data: object }>(streamId: string, kind: StreamKind<S, E>): Promise<LoadedStream<S>> {
    const recorded = await this.eventStore.readStream(streamId);
    const events = recorded.filter(kind.isEvent).map((event) => (kind.upcast ? kind.upcast(event) : (event as unknown as E)));
    const first = recorded[0];
    const last = recorded[recorded.length - 1];
    return {
      state: kind.fold(events),
      revision: last ? last.revision : 'no_stream',
      created: first ? (first.metadata as unknown as EventMetadata).occurredAt : null,
      lastModified: last ? (last.metadata as unknown as EventMetadata).occurredAt : null,
    };
  }

  /**
   * Load, decide, append at the loaded revision. A write that loses a race
   * decides again on the fresh state, unless `retry` says otherwise (a client
   * that sent If-Match wants 412 instead).
   */
  async decideAndAppend<S, E extends { readonly type: string; readonly data: object }>(
    streamId: string,
    kind: StreamKind<S, E>,
    decideOn: (loaded: LoadedStream<S>) => readonly E[] | Promise<readonly E[]>,
    metadata: CommandMetadata,
    retry: (conflict: WrongExpectedRevisionError) => boolean = () => true,
  ): Promise<Decided<S, E>> {
    // Writes of one stream take turns inside this process: forty parallel PATCHes of one user
    // would otherwise race each other past MAX_ATTEMPTS and lose changes with 409s. Races with
    // other processes are still settled by the conditional append and a jittered retry.
    return this.turns.inTurn(streamId, async () => {
      for (let attempt = 1; ; attempt++) {
        const loaded = await this.load(streamId, kind);
        const events = await decideOn(loaded);
        // A command that changes nothing emits nothing (shared/STYLE.md point 3).
        if (events.length === 0) return { loaded, events, appended: null };
        try {
          return { loaded, events, appended: await this.append(streamId, kind, events, loaded.revision, metadata) };
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS || !retry(error)) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 ** attempt)));
        }
      }
    });
  }

  append<S, E extends { readonly type: string; readonly data: object }>(
    streamId: string,
    kind: StreamKind<S, E>,
    events: readonly E[],
    expected: ExpectedRevision,
    metadata: CommandMetadata,
  ): Promise<AppendResult> {
    const write = this.write(streamId, kind, events, expected, metadata);
    return this.eventStore.append(write.streamId, write.events, write.expected);
  }

  /** What was decided for one stream, as one write of an appendAll. */
  write<S, E extends { readonly type: string; readonly data: object }>(
    streamId: string,
    kind: StreamKind<S, E>,
    events: readonly E[],
    expected: ExpectedRevision,
    metadata: CommandMetadata,
  ): StreamWrite {
    return {
      streamId,
      expected,
      events: events.map((event) => ({
        id: randomUUID(),
        type: event.type,
        data: event.data as Record<string, unknown>,
        metadata: { ...eventMetadata(metadata, kind.schemaVersions[event.type as E['type']]) },
      })),
    };
  }

  /** Writes to several streams in one commit where the store can (EventStore.appendToStreams). */
  appendAll(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    return this.eventStore.appendToStreams(writes);
  }
}
