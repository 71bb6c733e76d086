import { AppendResult, EventStore, EventToAppend, ExpectedRevision, StreamsPartlyAppendedError, StreamWrite } from './event-store.port';

/** An append names at least one event: an empty one would say nothing and still move no revision. */
export function checkEvents(events: readonly EventToAppend[]): void {
  if (events.length === 0) throw new Error('append needs at least one event');
}

/** A multi-stream append names each stream once: two writes to one stream would need chained revisions. */
export function checkDistinctStreams(writes: readonly StreamWrite[]): void {
  if (writes.length === 0) throw new Error('append needs at least one write');
  const seen = new Set<string>();
  for (const write of writes) {
    if (write.events.length === 0) throw new Error(`append to ${write.streamId} needs at least one event`);
    if (seen.has(write.streamId)) throw new Error(`stream ${write.streamId} is written twice in one append`);
    seen.add(write.streamId);
  }
}

/** One stream's append as a multi-stream append of one write: for stores that commit both alike (SQLite, PostgreSQL). */
export async function appendAsOneWrite(
  store: Pick<EventStore, 'appendToStreams'>,
  streamId: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): Promise<AppendResult> {
  checkEvents(events);
  const [result] = await store.appendToStreams([{ streamId, events, expected }]);
  return result;
}

/**
 * A multi-stream append where the store commits one stream at a time
 * (EventStoreDB): in order, each write its own commit. A failure at the first
 * write is that write's error; past it, StreamsPartlyAppendedError names the
 * streams that stayed appended, for the caller to give back what they claimed.
 */
export async function appendStreamByStream(
  writes: readonly StreamWrite[],
  appendOne: (write: StreamWrite, index: number) => Promise<AppendResult>,
): Promise<AppendResult[]> {
  checkDistinctStreams(writes);
  const results: AppendResult[] = [];
  for (const [index, write] of writes.entries()) {
    try {
      results.push(await appendOne(write, index));
    } catch (error) {
      if (results.length === 0) throw error;
      throw new StreamsPartlyAppendedError(
        writes.slice(0, results.length).map((w) => w.streamId),
        error,
      );
    }
  }
  return results;
}
