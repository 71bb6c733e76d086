import type { AppendResult, StreamWrite } from './event-store.port';

/**
 * An append waiting for the group commit that will write it (SQLite and
 * PostgreSQL backends): one stream's, or several streams' all or nothing.
 */
export interface PendingAppend {
  readonly writes: readonly StreamWrite[];
  readonly resolve: (results: AppendResult[]) => void;
  readonly reject: (error: unknown) => void;
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
