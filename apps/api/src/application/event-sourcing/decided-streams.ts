import { Inject, Injectable, Optional } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { CommandMetadata, eventMetadata, EventMetadata, foldOf, StreamModule } from '@scim-ledger/domain';
import { AppendResult, EVENT_STORE, EventStore, ExpectedRevision, RecordedEvent, StreamWrite, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { APP_CONFIG, AppConfig } from '../../tokens';
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
  /**
   * Folds `events` onto `state` (the kind's initial state when absent), never
   * changing `state`: a cached fold goes on with the events appended since.
   */
  readonly fold: (events: readonly E[], state?: S) => S;
  /** What a folded state weighs in the cache, in users' states; 1 when absent. */
  readonly cacheSize?: (state: S) => number;
  readonly schemaVersions: Readonly<Record<E['type'], number>>;
  /** Turns a stored event of any schema version into the current shape (shared/STYLE.md point 4). */
  readonly upcast?: (stored: RecordedEvent) => E;
}

/**
 * A domain stream module as DecidedStreams folds and writes it: its events,
 * their versions and upcasters and its fold all come from the module, so a
 * new stream kind needs no adapter of its own. `cacheSize` is the one thing
 * the module cannot know: what its state weighs in this process's cache.
 */
export function streamKindOf<Id, C, E extends { readonly type: string; readonly data: object }, S>(
  module: StreamModule<Id, C, E, S>,
  cacheSize?: (state: S) => number,
): StreamKind<S, E> {
  return {
    isEvent: module.events.isEvent,
    fold: foldOf(module),
    cacheSize,
    schemaVersions: module.events.schemaVersions,
    upcast: module.events.upcast,
  };
}

/** A stream's fold as last loaded here, with the kind it was folded by. */
interface Folded {
  readonly kind: StreamKind<never, never>;
  readonly loaded: LoadedStream<unknown>;
}

/**
 * As long as the personal-data wrapper keeps a key (PersonalDataProtectingEventStore):
 * no fold holding a user's clear fields outlives, in another process, its key there.
 */
const FOLDED_TTL_MS = 10 * 60_000;

/**
 * Loads a decider's state by folding its stream and appends what it decided
 * with an explicit expected revision and the command's metadata on every
 * event (shared/STYLE.md points 2 and 5). Users and tenants both go through it.
 *
 * Streams only grow (a user by every PATCH, a tenant by a token use a day), so
 * each stream's fold is kept by revision (STREAM_STATE_CACHE_SIZE, least
 * recently used first out): a load reads only the events after the kept
 * revision, which also brings in what other processes appended, and folds
 * them onto the kept state. A write's cost then does not grow with its
 * stream's length.
 */
@Injectable()
export class DecidedStreams {
  /** Writes to one stream take turns in this process. */
  private readonly turns = new StreamTurns();
  private readonly folded: LRUCache<string, Folded> | null;
  /** Counts dropFolded calls: a load that began before one keeps its fold to itself (it may hold forgotten data). */
  private drops = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    const size = config?.streamStateCacheSize ?? 0;
    this.folded = size > 0 ? new LRUCache<string, Folded>({ maxSize: size, ttl: FOLDED_TTL_MS }) : null;
  }

  async load<S, E extends { readonly type: string; readonly data: object }>(streamId: string, kind: StreamKind<S, E>): Promise<LoadedStream<S>> {
    const drops = this.drops;
    const kept = this.folded?.get(streamId);
    const from = kept && kept.kind === (kind as unknown as Folded['kind']) ? (kept.loaded as LoadedStream<S>) : null;
    if (from && typeof from.revision === 'number') {
      const later = await this.eventStore.readStream(streamId, { fromRevision: from.revision + 1 });
      if (later.length === 0) return from;
      // Revisions have no gaps; anything else is folded from the start rather than trusted.
      if (later.every((event, i) => event.revision === (from.revision as number) + 1 + i)) {
        return this.keep(streamId, kind, foldOnto(from, later, kind), drops);
      }
    }
    return this.keep(streamId, kind, foldOnto(null, await this.eventStore.readStream(streamId), kind), drops);
  }

  /**
   * Forgets this stream's fold: a user deleted for good and shredded must not
   * stay in memory with its clear fields (README, "Personal data").
   */
  dropFolded(streamId: string): void {
    this.drops += 1;
    this.folded?.delete(streamId);
  }

  /** The fold kept for this stream, if any: what the cache holds, for tests and diagnostics. */
  keptFold(streamId: string): LoadedStream<unknown> | undefined {
    return this.folded?.peek(streamId)?.loaded;
  }

  private keep<S, E extends { readonly type: string; readonly data: object }>(
    streamId: string,
    kind: StreamKind<S, E>,
    loaded: LoadedStream<S>,
    drops: number,
  ): LoadedStream<S> {
    if (!this.folded || drops !== this.drops || loaded.revision === 'no_stream') return loaded;
    // Of two loads that overlapped, the one that read further stays.
    const kept = this.folded.peek(streamId);
    if (
      kept &&
      kept.kind === (kind as unknown as Folded['kind']) &&
      typeof kept.loaded.revision === 'number' &&
      kept.loaded.revision > (loaded.revision as number)
    )
      return loaded;
    this.folded.set(streamId, { kind: kind as unknown as Folded['kind'], loaded }, { size: Math.max(1, Math.ceil(kind.cacheSize?.(loaded.state) ?? 1)) });
    return loaded;
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

/** `recorded` folded onto what was loaded before it (null: the stream from its start). */
function foldOnto<S, E extends { readonly type: string; readonly data: object }>(
  before: LoadedStream<S> | null,
  recorded: readonly RecordedEvent[],
  kind: StreamKind<S, E>,
): LoadedStream<S> {
  const events = recorded.filter(kind.isEvent).map((event) => (kind.upcast ? kind.upcast(event) : (event as unknown as E)));
  const first = recorded[0];
  const last = recorded[recorded.length - 1];
  return {
    state: before ? kind.fold(events, before.state) : kind.fold(events),
    revision: last ? last.revision : (before?.revision ?? 'no_stream'),
    created: before ? before.created : first ? (first.metadata as unknown as EventMetadata).occurredAt : null,
    lastModified: last ? (last.metadata as unknown as EventMetadata).occurredAt : (before?.lastModified ?? null),
  };
}
