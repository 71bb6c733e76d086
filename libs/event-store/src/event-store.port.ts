/**
 * The event store port. Every backend (SQLite, PostgreSQL, EventStoreDB)
 * implements it and passes the one contract suite in event-store.contract.ts.
 */

/**
 * A place in the global order of all events. Backends order events by
 * (commit, prepare): EventStoreDB uses its own log positions, PostgreSQL the
 * (transaction id, sequence) pair, SQLite its row id twice.
 */
export interface GlobalPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START_OF_ALL: GlobalPosition = Object.freeze({ commit: -1n, prepare: -1n });

export function comparePositions(a: GlobalPosition, b: GlobalPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function formatPosition(position: GlobalPosition): string {
  return `${position.commit}/${position.prepare}`;
}

export function parsePosition(text: string): GlobalPosition {
  const match = /^(-?\d+)\/(-?\d+)$/.exec(text);
  if (!match) throw new Error(`not a global position: ${text}`);
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
}

/** Stream revisions count from 0, as EventStoreDB does. */
export type StreamRevision = number;

/**
 * What the writer believes about the stream: that it does not exist yet,
 * that its last event has exactly this revision, or nothing at all.
 */
export type ExpectedRevision = 'no_stream' | 'any' | StreamRevision;

export interface EventToAppend {
  readonly id: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

/** One stream's share of a multi-stream append. */
export interface StreamWrite {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedRevision;
}

export interface RecordedEvent {
  readonly id: string;
  readonly streamId: string;
  readonly revision: StreamRevision;
  readonly position: GlobalPosition;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

export interface AppendResult {
  /** Revision of the last event appended: pass it as the next expected revision. */
  readonly nextExpectedRevision: StreamRevision;
  /** Global position of the last event appended. */
  readonly position: GlobalPosition;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, or 'no_stream'. */
    readonly actual: StreamRevision | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/**
 * Only from a store without atomicMultiStreamAppend (EventStoreDB): the
 * writes before the failed one stay appended, and the caller gives back
 * what they claimed. `cause` is the failed write's error.
 */
export class StreamsPartlyAppendedError extends Error {
  override readonly name = 'StreamsPartlyAppendedError';
  constructor(
    /** The streams whose writes were appended, in order. */
    readonly appended: readonly string[],
    override readonly cause: unknown,
  ) {
    super(`appended to ${appended.join(', ')} only: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** The backend could not be reached or failed: a retry later may succeed. */
export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

export interface ReadAllOptions {
  /** Read events strictly after this position; START_OF_ALL by default. */
  readonly after?: GlobalPosition;
  readonly maxCount: number;
}

export interface ReadStreamOptions {
  /** Only events at this revision and later: what a cached fold of the stream has not seen yet. */
  readonly fromRevision?: StreamRevision;
  /** At most this many events, from fromRevision on: a window of a long stream. */
  readonly maxCount?: number;
  /**
   * Opens personal fields with the keys as kept now, not as this process
   * cached them: for a read shown to a person (a user's history or state),
   * so that a subject another process forgot reads shredded at once (README,
   * "Personal data"). Backends without personal data ignore it.
   */
  readonly freshPersonalDataKeys?: boolean;
}

export interface SubscribeOptions {
  /** Deliver events strictly after this checkpoint; START_OF_ALL by default. */
  readonly after?: GlobalPosition;
  /** Ends the subscription: the async iterator then finishes. */
  readonly signal?: AbortSignal;
}

export interface EventStore {
  /** Which backend this is, for logs and the README's config table. */
  readonly backend: 'sqlite' | 'postgres' | 'eventstoredb';
  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Whether appendToStreams is all or nothing. SQLite and PostgreSQL commit
   * the writes in one transaction; EventStoreDB has no multi-stream
   * transaction and appends them one after another.
   */
  readonly atomicMultiStreamAppend: boolean;
  /**
   * Appends to several distinct streams, each at its own expected revision;
   * results in the order of `writes`. A stale revision throws
   * WrongExpectedRevisionError naming that stream. When atomic, nothing is
   * then appended; otherwise the writes are appended in order, and a failure
   * after the first throws StreamsPartlyAppendedError.
   */
  appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]>;
  /**
   * All events of one stream, oldest first, or those from `fromRevision` on;
   * [] for a stream that does not exist or has no event that late.
   */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * The stream's last event, or null for a stream that does not exist. Streams
   * whose every event carries the running state (counters) need only this.
   */
  readLastEvent(streamId: string): Promise<RecordedEvent | null>;
  /**
   * Events of every stream in global order. A reader must never skip an event
   * whose transaction commits after a later position became visible.
   */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * About how many events the store holds (its highest sequence number: gaps
   * count), cheaply, for a rebuild's progress and ETA. Optional: a backend
   * without a cheap answer leaves it out and the rebuild shows no ETA.
   */
  approximateEventCount?(): Promise<number>;
  /** Catch up from a checkpoint, then follow live appends until the signal aborts. */
  subscribeToAll(options: SubscribeOptions): AsyncIterable<RecordedEvent>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');
