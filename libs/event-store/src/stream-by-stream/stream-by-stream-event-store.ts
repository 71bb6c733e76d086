import {
  AppendResult,
  EventStore,
  EventStoreUnavailableError,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamWrite,
  SubscribeOptions,
} from '../event-store.port';
import { appendStreamByStream, checkEvents } from '../appending';

/** One stream's append as the store is about to make it. */
export interface StreamAppendAttempt {
  readonly write: StreamWrite;
  /** 1 for the first stream append since the fault or hold was set, counting each stream of every append. */
  readonly nth: number;
  /** Its place among the writes of its append (0 of 1 for a single-stream append). */
  readonly index: number;
  readonly of: number;
}

/** Picks the stream appends that fail. */
export type AppendFault = (attempt: StreamAppendAttempt) => boolean;

/** What a faulted stream append throws: the store unreachable, as EventStoreDB is when a connection drops. */
export class InjectedAppendFailure extends EventStoreUnavailableError {
  constructor(readonly streamId: string) {
    super(`injected failure: the append to ${streamId} did not happen`);
  }
}

/**
 * For tests: a store that appends a multi-stream write one stream after
 * another, the way EventStoreDbEventStore does (no EventStoreDB server runs
 * here), over a real store (SQLite in the tests). Like EventStoreDB it
 * reports atomicMultiStreamAppend false, lets other appends interleave
 * between the streams of one write, and after a failure past the first
 * stream throws StreamsPartlyAppendedError naming what stayed appended.
 *
 * It can be told to fail chosen stream appends (failWhen) to produce the
 * partial appends a dropped connection leaves, or to hold one (holdNext) so
 * another writer goes in between the streams of a write. EventStoreDB's
 * idempotent retry of repeated event ids is not modelled: the application
 * never repeats one.
 */
export class StreamByStreamEventStore implements EventStore {
  readonly backend;
  readonly atomicMultiStreamAppend = false;
  private fault: { readonly picks: AppendFault; remaining: number } | null = null;
  private hold: { readonly picks: AppendFault; readonly reached: (attempt: StreamAppendAttempt) => void; readonly released: Promise<void> } | null = null;
  private attempts = 0;
  /** The writes that failed by a fault, in order: what a test may assert on. */
  readonly failedWrites: StreamWrite[] = [];

  constructor(private readonly inner: EventStore) {
    this.backend = inner.backend;
    if (inner.approximateEventCount) this.approximateEventCount = () => inner.approximateEventCount!();
  }

  /** From now on the stream appends `picks` chooses fail, at most `times` of them; nothing else changes. */
  failWhen(picks: AppendFault, times = Number.POSITIVE_INFINITY): void {
    this.fault = { picks, remaining: times };
    this.attempts = 0;
  }

  /** The nth stream append from now fails (counting each stream of a multi-stream append). */
  failNthAppend(nth: number): void {
    this.failWhen((attempt) => attempt.nth === nth, 1);
  }

  /** Appends of this stream (and only those) fail, at most `times` of them. */
  failStream(isFailing: (streamId: string) => boolean, times = Number.POSITIVE_INFINITY): void {
    this.failWhen((attempt) => isFailing(attempt.write.streamId), times);
  }

  /**
   * The next stream append `picks` chooses waits until released, after the
   * streams of its write before it were appended: a test lets another writer
   * go first, as a slow link to EventStoreDB would. `reached` resolves once
   * it waits.
   */
  holdNext(picks: AppendFault): { readonly reached: Promise<StreamAppendAttempt>; release(): void } {
    let reached!: (attempt: StreamAppendAttempt) => void;
    let release!: () => void;
    const reachedPromise = new Promise<StreamAppendAttempt>((resolve) => (reached = resolve));
    this.hold = { picks, reached, released: new Promise<void>((resolve) => (release = resolve)) };
    this.attempts = 0;
    return { reached: reachedPromise, release };
  }

  /** No more faults or holds; an append already held waits for its release. */
  clearFaults(): void {
    this.fault = null;
    this.hold = null;
  }

  async append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    checkEvents(events);
    return this.appendOne({ streamId, events, expected }, 0, 1);
  }

  /** EventStoreDbEventStore's own loop: in order, each stream its own commit. */
  appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    return appendStreamByStream(writes, (write, index) => this.appendOne(write, index, writes.length));
  }

  private async appendOne(write: StreamWrite, index: number, of: number): Promise<AppendResult> {
    const attempt = { write, nth: ++this.attempts, index, of };
    const hold = this.hold;
    if (hold?.picks(attempt)) {
      this.hold = null;
      hold.reached(attempt);
      await hold.released;
    }
    const fault = this.fault;
    if (fault && fault.remaining > 0 && fault.picks(attempt)) {
      fault.remaining -= 1;
      this.failedWrites.push(write);
      throw new InjectedAppendFailure(write.streamId);
    }
    return this.inner.append(write.streamId, write.events, write.expected);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(streamId, options);
  }

  readLastEvent(streamId: string): Promise<RecordedEvent | null> {
    return this.inner.readLastEvent(streamId);
  }

  readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  /** Optional on the port: offered only where the store below has it. */
  approximateEventCount?: () => Promise<number>;

  subscribeToAll(options: SubscribeOptions): AsyncIterable<RecordedEvent> {
    return this.inner.subscribeToAll(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
