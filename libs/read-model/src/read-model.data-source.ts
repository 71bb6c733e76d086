import { DataSource } from 'typeorm';
import { setUpSqliteConnection } from '@scim-ledger/event-store';
import { SIMPLE_LOWER_SQL_FUNCTION, simpleLowerCase } from '@scim-ledger/domain';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ProjectionCheckpointRow } from './checkpoints/projection-checkpoint.row';
import { ProjectionFailureRow } from './failures/projection-failure.row';
import { READ_MODEL_PROJECTIONS } from './projections';

export type ReadModelDatabase = { readonly type: 'sqlite'; readonly file: string } | { readonly type: 'postgres'; readonly url: string };

/** The projections' tables, and the projector's own: its checkpoint and the events it set aside. */
export const READ_MODEL_ENTITIES = [
  ...READ_MODEL_PROJECTIONS.flatMap((projection) => projection.tables.map((table) => table.entity)),
  ProjectionCheckpointRow,
  ProjectionFailureRow,
];

/**
 * Opens the read model, creating or updating its tables first if need be.
 * The api and the projector (or several api instances) start at once on one
 * database, as docker-compose starts them, and each synchronises the schema:
 * two at once left the loser stopped, with a duplicate key in pg_type on
 * PostgreSQL and "database is locked" on SQLite (whose busy timeout cannot
 * help a transaction that read the schema before another process changed it).
 * So they take turns, and the later ones find the tables and have nothing to do.
 */
export async function openReadModel(database: ReadModelDatabase): Promise<DataSource> {
  const dataSource = await readModelDataSource(database, { synchronize: false }).initialize();
  try {
    await (database.type === 'sqlite' ? synchronizeRetryingWhileLocked(dataSource) : synchronizeUnderAdvisoryLock(dataSource));
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/**
 * Opens the read model as it is, for a reader that must not change it (the
 * CLI's replay): no schema synchronisation, so a database without the tables
 * fails the read instead of getting them, and the read takes no lock.
 */
export function openReadModelAsItIs(database: ReadModelDatabase): Promise<DataSource> {
  return readModelDataSource(database, { synchronize: false }).initialize();
}

async function synchronizeUnderAdvisoryLock(dataSource: DataSource): Promise<void> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock(hashtext('scim-ledger read model schema'))");
    try {
      await dataSource.synchronize();
    } finally {
      await lock.query("SELECT pg_advisory_unlock(hashtext('scim-ledger read model schema'))");
    }
  } finally {
    await lock.release();
  }
}

/** SQLite has no advisory lock: a synchronisation that lost the race to another process's is rolled back and run again. */
async function synchronizeRetryingWhileLocked(dataSource: DataSource): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.synchronize();
    } catch (error) {
      const locked = /SQLITE_BUSY|database is locked/.test(`${(error as { code?: string }).code} ${(error as Error).message}`);
      if (!locked || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
  }
}

/**
 * The read model's DataSource, not yet initialised. A rebuild passes a table
 * prefix and no synchronize: it writes into fresh tables beside the live ones.
 */
export function readModelDataSource(database: ReadModelDatabase, options: { entityPrefix?: string; synchronize?: boolean } = {}): DataSource {
  const common = { entities: READ_MODEL_ENTITIES, synchronize: options.synchronize ?? true, logging: false, entityPrefix: options.entityPrefix } as const;
  return database.type === 'sqlite'
    ? new DataSource({
        ...common,
        type: 'better-sqlite3',
        database: prepareFile(database.file),
        enableWAL: true,
        prepareDatabase: (db: SqliteConnection) => {
          // As every connection to the file: WAL, rarer checkpoints (each syncs the file), a busy timeout.
          setUpSqliteConnection(db);
          registerSimpleLower(db);
          // 16 MB of page cache (SQLite's default is 2 MB): 64 MB put the api over its
          // 300 MB budget at 1M users without a measurable gain (bench/README.md).
          db.pragma('cache_size = -16384');
        },
      })
    : new DataSource({
        ...common,
        type: 'postgres',
        url: database.url,
        // A process that stops mid-transaction (SIGSTOP, a paused VM) would hold the checkpoint row's lock, and so
        // the read model, until it ran again: the server ends such a session after 15 s (no transaction here
        // leaves the database waiting on its client that long; a projector batch computes in milliseconds).
        extra: { max: 10, idle_in_transaction_session_timeout: 15_000 },
      });
}

interface SqliteConnection {
  pragma(source: string): unknown;
  function(name: string, options: { deterministic: boolean }, implementation: (text: unknown) => unknown): unknown;
}

/** The filters' lower() on SQLite, whose own LOWER maps ASCII only (simpleLowerCase). */
export function registerSimpleLower(db: Pick<SqliteConnection, 'function'>): void {
  db.function(SIMPLE_LOWER_SQL_FUNCTION, { deterministic: true }, (text) => (typeof text === 'string' ? simpleLowerCase(text) : text));
}

function prepareFile(file: string): string {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return file;
}
