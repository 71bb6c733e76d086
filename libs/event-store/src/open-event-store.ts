import { EventStore } from './event-store.port';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import { EventStoreDbPersonalDataKeys } from './personal-data/eventstoredb-personal-data-keys';
import { PersonalDataKeys } from './personal-data/personal-data-keys.port';
import { PersonalDataPolicy, PersonalDataProtectingEventStore } from './personal-data/personal-data-protection';
import { PostgresPersonalDataKeys } from './personal-data/postgres-personal-data-keys';
import { SqlitePersonalDataKeys } from './personal-data/sqlite-personal-data-keys';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

export type EventStoreBackend =
  | { readonly type: 'sqlite'; readonly file: string }
  | { readonly type: 'postgres'; readonly url: string }
  | { readonly type: 'eventstoredb'; readonly url: string };

/**
 * The backend is chosen by configuration; callers only see the port. The
 * policy is required so no process can write or read personal data around
 * the sealing (README, "Personal data").
 */
export async function openEventStore(
  backend: EventStoreBackend,
  personalData: PersonalDataPolicy,
  /** Tests only: a store put between the backend and the sealing (StreamByStreamEventStore). */
  around?: (backend: EventStore) => EventStore,
): Promise<PersonalDataProtectingEventStore> {
  const inner = await openBackend(backend);
  let keys: PersonalDataKeys;
  try {
    // On SQLite the keys share the events' connection, so key inserts join the events' group commits.
    keys = inner instanceof SqliteEventStore ? SqlitePersonalDataKeys.beside(inner) : await openPersonalDataKeys(backend);
  } catch (error) {
    await inner.close().catch(() => undefined);
    throw error;
  }
  return new PersonalDataProtectingEventStore(around ? around(inner) : inner, keys, personalData);
}

async function openBackend(backend: EventStoreBackend): Promise<EventStore> {
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

/** Beside the events, in the same database or server. */
export async function openPersonalDataKeys(backend: EventStoreBackend): Promise<PersonalDataKeys> {
  switch (backend.type) {
    case 'sqlite':
      return SqlitePersonalDataKeys.open(backend.file);
    case 'postgres':
      return PostgresPersonalDataKeys.open(backend.url);
    case 'eventstoredb':
      return EventStoreDbPersonalDataKeys.connect(backend.url);
    default: {
      const unknown: never = backend;
      throw new Error(`unknown event store ${JSON.stringify(unknown)}`);
    }
  }
}
