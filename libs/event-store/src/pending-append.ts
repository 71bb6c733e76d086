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
