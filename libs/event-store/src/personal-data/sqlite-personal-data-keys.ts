import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { openSqliteFile } from '../sqlite/open-sqlite-file';
import { sqliteWriteLock } from '../sqlite-write-lock';
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
  private readonly lock;
  private readonly statements;
  private pending: { subjectIds: readonly string[]; resolve: (created: Map<string, Buffer>) => void; reject: (error: unknown) => void }[] = [];
  private flushQueued = false;

  private constructor(
    private readonly db: Database.Database,
    file: string,
  ) {
    this.lock = sqliteWriteLock(file);
    this.statements = {
      insert: db.prepare('INSERT INTO personal_data_keys (subject_id, key) VALUES (?, ?) ON CONFLICT (subject_id) DO NOTHING'),
    };
  }

  static open(file: string): SqlitePersonalDataKeys {
    const db = openSqliteFile(file);
    db.pragma('secure_delete = ON');
    db.exec(SCHEMA);
    return new SqlitePersonalDataKeys(db, file);
  }

  async keysFor(subjectIds: readonly string[], options: { create: boolean }): Promise<Map<string, SubjectKey>> {
    const found = this.select(subjectIds);
    const missing = [...new Set(subjectIds)].filter((id) => !found.has(id));
    if (!options.create || missing.length === 0) return found;
    const created = await this.create(missing);
    for (const [id, key] of created) found.set(id, key);
    // Read back only those another process (or an earlier create in the group) had created first.
    for (const [id, key] of this.select(missing.filter((id) => !created.has(id)))) found.set(id, key);
    return found;
  }

  /**
   * Creates share a transaction, as appends do in SqliteEventStore: those that
   * arrive while the file's write lock is held wait for it together, so a burst
   * of SCIM creates costs one commit of keys, not one each.
   */
  private create(subjectIds: readonly string[]): Promise<Map<string, Buffer>> {
    const created = new Promise<Map<string, Buffer>>((resolve, reject) => this.pending.push({ subjectIds, resolve, reject }));
    if (!this.flushQueued) {
      this.flushQueued = true;
      void this.lock.runExclusive(() => this.flush());
    }
    return created;
  }

  private flush(): void {
    this.flushQueued = false;
    const batch = this.pending;
    this.pending = [];
    const created = batch.map(() => new Map<string, Buffer>());
    try {
      this.db.transaction(() => {
        batch.forEach(({ subjectIds }, i) => {
          for (const id of subjectIds) {
            const key = randomBytes(SUBJECT_KEY_BYTES);
            if (this.statements.insert.run(id, key).changes === 1) created[i].set(id, key);
          }
        });
      }).immediate();
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, i) => waiting.resolve(created[i]));
  }

  async forget(subjectIds: readonly string[]): Promise<void> {
    if (subjectIds.length === 0) return;
    await this.lock.runExclusive(() => {
      const forget = this.db.prepare(
        `INSERT INTO personal_data_keys (subject_id, key, forgotten_at) VALUES (?, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         ON CONFLICT (subject_id) DO UPDATE SET key = NULL, forgotten_at = COALESCE(forgotten_at, excluded.forgotten_at)`,
      );
      this.db.transaction(() => {
        for (const id of new Set(subjectIds)) forget.run(id);
      }).immediate();
    });
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private select(subjectIds: readonly string[]): Map<string, SubjectKey> {
    const found = new Map<string, SubjectKey>();
    const unique = [...new Set(subjectIds)];
    for (let start = 0; start < unique.length; start += CHUNK) {
      const chunk = unique.slice(start, start + CHUNK);
      const rows = this.db
        .prepare(`SELECT subject_id, key FROM personal_data_keys WHERE subject_id IN (${chunk.map(() => '?').join(', ')})`)
        .all(...chunk) as { subject_id: string; key: Buffer | null }[];
      for (const row of rows) found.set(row.subject_id, row.key ?? 'forgotten');
    }
    return found;
  }
}
