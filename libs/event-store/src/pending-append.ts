import type { AppendResult, EventToAppend, ExpectedRevision } from './event-store.port';

/** An append waiting for the group commit that will write it (SQLite and PostgreSQL backends). */
export interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}
