import {
  ANY,
  AllStreamRecordedEvent,
  AppendExpectedRevision,
  BACKWARDS,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  ReadPosition,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  RecordedEvent as EsdbRecordedEvent,
  ErrorType,
  isCommandError,
} from '@eventstore/db-client';
import {
  AppendResult,
  comparePositions,
  EventStore,
  EventStoreUnavailableError,
  EventToAppend,
  ExpectedRevision,
  GlobalPosition,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START_OF_ALL,
  StreamWrite,
  SubscribeOptions,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { appendStreamByStream, checkEvents } from '../appending';

export interface EventStoreDbEventStoreOptions {
  /** e.g. esdb://admin:changeit@localhost:2113?tls=false */
  readonly connectionString: string;
}

/**
 * Events in EventStoreDB. Its $all positions are already the commit order
 * and it pushes live events, so no polling is needed here.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly backend = 'eventstoredb' as const;
  /** EventStoreDB commits one stream per append: a multi-stream write is appended stream by stream. */
  readonly atomicMultiStreamAppend = false;

  private constructor(private readonly client: EventStoreDBClient) {}

  static async connect(options: EventStoreDbEventStoreOptions): Promise<EventStoreDbEventStore> {
    const client = EventStoreDBClient.connectionString(options.connectionString);
    // The client dials lazily; read one event of $all now so a wrong address
    // or missing $all permission fails at startup, not at the first request.
    try {
      for await (const _ of client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) break;
    } catch (error) {
      await client.dispose().catch(() => undefined);
      throw asUnavailable(error);
    }
    return new EventStoreDbEventStore(client);
  }

  async append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    checkEvents(events);
    let result;
    try {
      result = await this.client.appendToStream(
        streamId,
        events.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
        { expectedRevision: toExpectedVersion(expected) },
      );
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevisionError(streamId, expected, fromCurrentRevision(error.actualVersion));
      }
      throw asUnavailable(error);
    }
    // Only when the connection string says throwOnAppendFailure=false; -1 then means no stream.
    if (!result.success) {
      const current = result.nextExpectedRevision;
      throw new WrongExpectedRevisionError(streamId, expected, current < 0n ? 'no_stream' : Number(current));
    }
    return {
      nextExpectedRevision: Number(result.nextExpectedRevision),
      position: result.position ?? (await this.lastPosition(streamId)),
    };
  }

  appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    return appendStreamByStream(writes, (write) => this.append(write.streamId, write.events, write.expected));
  }

  /** Some appends (an idempotent retry, older servers) report no position: take the stream's last event's. */
  private async lastPosition(streamId: string): Promise<GlobalPosition> {
    try {
      for await (const resolved of this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        if (resolved.event?.position) return resolved.event.position;
      }
    } catch (error) {
      throw asUnavailable(error);
    }
    throw new Error(`EventStoreDB reported no position for stream ${streamId}: it needs server 22.6 or later`);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const found: RecordedEvent[] = [];
    const from = options.fromRevision ?? 0;
    try {
      const window = options.maxCount === undefined ? {} : { maxCount: BigInt(options.maxCount) };
      for await (const resolved of this.client.readStream(streamId, { direction: FORWARDS, fromRevision: from > 0 ? BigInt(from) : START, ...window })) {
        if (resolved.event) found.push(toRecordedEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw asUnavailable(error);
    }
    return found;
  }

  async readLastEvent(streamId: string): Promise<RecordedEvent | null> {
    try {
      for await (const resolved of this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        if (resolved.event) return toRecordedEvent(resolved.event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw asUnavailable(error);
    }
    return null;
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const after = options.after ?? START_OF_ALL;
    const found: RecordedEvent[] = [];
    let from = after;
    // Pages of only system events are read through, so an empty result means caught up.
    for (;;) {
      // fromPosition is inclusive: ask for one more, as the first may be `from` itself.
      const pageStart = from;
      const pageSize = options.maxCount + 1;
      let read = 0;
      try {
        for await (const resolved of this.client.readAll({
          fromPosition: toReadPosition(pageStart),
          direction: FORWARDS,
          maxCount: pageSize,
        })) {
          read++;
          const event = resolved.event;
          if (!event) continue;
          from = event.position;
          if (comparePositions(event.position, pageStart) <= 0 || isSystemEvent(event)) continue;
          if (found.length < options.maxCount) found.push(toRecordedEvent(event));
        }
      } catch (error) {
        throw asUnavailable(error);
      }
      if (found.length >= options.maxCount || read < pageSize) return found;
    }
  }

  async *subscribeToAll(options: SubscribeOptions): AsyncGenerator<RecordedEvent> {
    const after = options.after ?? START_OF_ALL;
    const signal = options.signal;
    if (signal?.aborted) return;
    const subscription = this.client.subscribeToAll({
      fromPosition: toReadPosition(after),
      filter: excludeSystemEvents(),
    });
    // Unsubscribing cancels the call but need not end the stream; destroying
    // it is what releases a `for await` waiting for the next event.
    const stop = () => {
      void subscription.unsubscribe().catch(() => undefined);
      subscription.destroy();
    };
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const resolved of subscription) {
        if (signal?.aborted) return;
        const event = resolved.event;
        // The server starts after the position, but whether that is exclusive is not documented: check.
        if (!event || isSystemEvent(event) || comparePositions(event.position, after) <= 0) continue;
        yield toRecordedEvent(event);
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw asUnavailable(error);
    } finally {
      // Also when the consumer breaks out early: that destroys the stream but leaves the call open.
      signal?.removeEventListener('abort', stop);
      stop();
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

function toExpectedVersion(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'any') return ANY;
  return BigInt(expected);
}

function fromCurrentRevision(actual: WrongExpectedVersionError['actualVersion']): number | 'no_stream' {
  return actual === NO_STREAM ? 'no_stream' : Number(actual);
}

/** START_OF_ALL is (-1, -1), which the server would reject as a position. */
function toReadPosition(position: GlobalPosition): ReadPosition {
  return position.commit < 0n ? START : { commit: position.commit, prepare: position.prepare };
}

/** EventStoreDB's own events ($metadata, $>, $statsCollected …) and its $ streams. */
function isSystemEvent(event: AllStreamRecordedEvent): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function toRecordedEvent(event: EsdbRecordedEvent | AllStreamRecordedEvent): RecordedEvent {
  if (!event.position) throw new Error('EventStoreDB did not report event positions: it needs server 22.6 or later');
  return {
    id: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: event.position,
    type: event.type,
    data: asJsonObject(event.data),
    metadata: asJsonObject(event.metadata ?? {}),
  };
}

/** We append JSON only; bytes are events some other writer put in the database. */
function asJsonObject(value: unknown): Record<string, unknown> {
  if (value instanceof Uint8Array) return value.length === 0 ? {} : JSON.parse(Buffer.from(value).toString('utf8'));
  return value as Record<string, unknown>;
}

/** Unreachable server, no leader, or a deadline: a retry later may succeed. */
const UNAVAILABLE_TYPES = new Set<ErrorType>([ErrorType.UNAVAILABLE, ErrorType.DEADLINE_EXCEEDED, ErrorType.TIMEOUT, ErrorType.NOT_LEADER]);

function asUnavailable(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const unavailable =
    (isCommandError(error) && UNAVAILABLE_TYPES.has(error.type)) ||
    // Cluster discovery gives up with a plain Error.
    /^Failed to discover/.test(error.message);
  return unavailable ? new EventStoreUnavailableError(`EventStoreDB unavailable: ${error.message}`, error) : error;
}

/** For the personal data key streams beside the events. */
export { asUnavailable as asEventStoreDbUnavailable };
