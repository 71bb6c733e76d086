import { EventStore } from './event-store.port';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

export type EventStoreBackend =
  | { readonly type: 'sqlite'; readonly file: string }
  | { readonly type: 'postgres'; readonly url: string }
  | { readonly type: 'eventstoredb'; readonly url: string };

/** The backend is chosen by configuration; callers only see the port. */
export async function openEventStore(backend: EventStoreBackend): Promise<EventStore> {
  switch (backend.type) {
    case 'sqlite':
      return SqliteEventStore.open({ file: backend.file });
    case 'postgres':
      return PostgresEventStore.open({ connectionString: backend.url });
    case 'eventstoredb':
      return EventStoreDbEventStore.connect({ connectionString: backend.url });
    default: {
      const unknown: never = backend;
      throw new Error(`unknown event store ${JSON.stringify(unknown)}`);
    }
  }
}
