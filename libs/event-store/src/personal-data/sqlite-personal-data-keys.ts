import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { SqliteGroupCommit } from '../sqlite/sqlite-group-commit';
import { PersonalDataKeys, SUBJECT_KEY_BYTES, SubjectKey } from './personal-data-keys.port';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS personal_data_keys (
  subject_id   TEXT PRIMARY KEY,
  key          BLOB,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  forgotten_at TEXT
);`;

/** SQLite allows 32,766 bound values a statement; chunks stay far below. */
const CHUNK = 500;

/**
 * The keys in a table beside the events, in the same SQLite file. A forgotten
 * key's row stays, without its key, so the subject can never get a new one.
 * secure_delete zeroes the freed bytes in the file; the write-ahead log holds
 * the old page until its next checkpoint overwrites it.
 */
export class SqlitePersonalDataKeys implements PersonalDataKeys {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly selects = new Map<number, Database.Statement>();

  private constructor(
    private readonly groupCommit: SqliteGroupCommit,
    /** False when the connection is the event store's: it closes it. */
    private readonly ownsConnection: boolean,
  ) {
    this.db = groupCommit.db;
    this.db.pragma('secure_delete = ON');
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare('INSERT INTO personal_data_keys (subject_id, key) VALUES (?, ?) ON CONFLICT (subject_id) DO NOTHING');
  }

  /** A key store with a connection of its own (another process's, as far as SQLite can tell). */
  static open(file: string): SqlitePersonalDataKeys {
    return new SqlitePersonalDataKeys(SqliteGroupCommit.open(file), true);
  }

  /**
   * On the event store's connection and group commit: a SCIM create's new key
   * commits with other creates' events instead of in a transaction of its own.
   */
  static beside(events: SqliteEventStore): SqlitePersonalDataKeys {
    return new SqlitePersonalDataKeys(events.groupCommit, false);
  }

  async keysFor(subjectIds: readonly string[], options: { create: boolean }): Promise<Map<string, SubjectKey>> {
    const found = this.select(subjectIds);
    const missing = [...new Set(subjectIds)].filter((id) => !found.has(id));
    if (!options.create || missing.length === 0) return found;
    const created = await this.groupCommit.run(() => this.create(missing));
    for (const [id, key] of created) found.set(id, key);
    // Read back only those another process (or an earlier create in the group) had created first.
    for (const [id, key] of this.select(missing.filter((id) => !created.has(id)))) found.set(id, key);
    return found;
  }

  private create(subjectIds: readonly string[]): Map<string, Buffer> {
    const created = new Map<string, Buffer>();
    for (const id of subjectIds) {
      const key = randomBytes(SUBJECT_KEY_BYTES);
      if (this.insert.run(id, key).changes === 1) created.set(id, key);
    }
    return created;
  }

  async forget(subjectIds: readonly string[]): Promise<void> {
    if (subjectIds.length === 0) return;
    const forget = this.db.prepare(
      `INSERT INTO personal_data_keys (subject_id, key, forgotten_at) VALUES (?, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
       ON CONFLICT (subject_id) DO UPDATE SET key = NULL, forgotten_at = COALESCE(forgotten_at, excluded.forgotten_at)`,
    );
    await this.groupCommit.run(() => {
      for (const id of new Set(subjectIds)) forget.run(id);
    });
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.groupCommit.close();
  }

  /** Prepared once per length: preparing it anew was a tenth of what a SCIM create spent on keys. */
  private selectStatement(length: number): Database.Statement {
    let statement = this.selects.get(length);
    if (!statement) {
      statement = this.db.prepare(`SELECT subject_id, key FROM personal_data_keys WHERE subject_id IN (${Array(length).fill('?').join(', ')})`);
      this.selects.set(length, statement);
    }
    return statement;
  }

  private select(subjectIds: readonly string[]): Map<string, SubjectKey> {
    const found = new Map<string, SubjectKey>();
    const unique = [...new Set(subjectIds)];
    for (let start = 0; start < unique.length; start += CHUNK) {
      const chunk = unique.slice(start, start + CHUNK);
      const rows = this.selectStatement(chunk.length).all(...chunk) as { subject_id: string; key: Buffer | null }[];
      for (const row of rows) found.set(row.subject_id, row.key ?? 'forgotten');
    }
    return found;
  }
}
