import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A connection to the shared SQLite file, set up as every writer of it must be.
 * `wal_autocheckpoint` is per connection and any connection's commit may run
 * the checkpoint: one writer left at the default (every 1,000 pages) syncs the
 * whole file for everybody. At 20,000 pages (~80 MB) a rebuild stopped spending
 * half its time there, and the key store's commits stopped costing a quarter
 * of a SCIM create (bench/README.md).
 */
export function openSqliteFile(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  setUpSqliteConnection(db);
  return db;
}

/** The same settings on a connection somebody else opened (the read model's, opened by TypeORM). */
export function setUpSqliteConnection(db: { pragma(source: string): unknown }): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('wal_autocheckpoint = 20000');
}
