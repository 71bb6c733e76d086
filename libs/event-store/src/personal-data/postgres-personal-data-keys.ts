import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { EventStoreUnavailableError } from '../event-store.port';
import { asPostgresUnavailable } from '../postgres/postgres-event-store';
import { PersonalDataKeys, SUBJECT_KEY_BYTES, SubjectKey } from './personal-data-keys.port';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS personal_data_keys (
  subject_id   TEXT PRIMARY KEY,
  key          BYTEA,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  forgotten_at TIMESTAMPTZ
);`;

/**
 * The keys in a table beside the events, in the same PostgreSQL database. A
 * forgotten key's row stays, without its key; the old row version is gone
 * from the table file once (auto)vacuum has passed.
 */
export class PostgresPersonalDataKeys implements PersonalDataKeys {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(connectionString: string): Promise<PostgresPersonalDataKeys> {
    const pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 10_000 });
    pool.on('error', () => undefined);
    const client = await pool.connect().catch(async (error: unknown) => {
      await pool.end().catch(() => undefined);
      throw new EventStoreUnavailableError('cannot reach PostgreSQL for the personal data keys', error);
    });
    try {
      await client.query('BEGIN');
      // Two processes starting at once would race on CREATE TABLE IF NOT EXISTS.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('scim-ledger personal data keys schema'))");
      await client.query(SCHEMA);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      await pool.end().catch(() => undefined);
      throw error;
    }
    client.release();
    return new PostgresPersonalDataKeys(pool);
  }

  async keysFor(subjectIds: readonly string[], options: { create: boolean }): Promise<Map<string, SubjectKey>> {
    const found = await this.select(subjectIds);
    const missing = [...new Set(subjectIds)].filter((id) => !found.has(id));
    if (!options.create || missing.length === 0) return found;
    await this.query('INSERT INTO personal_data_keys (subject_id, key) SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (subject_id) DO NOTHING', [
      missing,
      missing.map(() => randomBytes(SUBJECT_KEY_BYTES)),
    ]);
    // Read back: another process may have created some of them first.
    for (const [id, key] of await this.select(missing)) found.set(id, key);
    return found;
  }

  async forget(subjectIds: readonly string[]): Promise<void> {
    if (subjectIds.length === 0) return;
    await this.query(
      `INSERT INTO personal_data_keys (subject_id, key, forgotten_at) SELECT unnest($1::text[]), NULL, now()
       ON CONFLICT (subject_id) DO UPDATE SET key = NULL, forgotten_at = COALESCE(personal_data_keys.forgotten_at, now())`,
      [[...new Set(subjectIds)]],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async select(subjectIds: readonly string[]): Promise<Map<string, SubjectKey>> {
    const found = new Map<string, SubjectKey>();
    if (subjectIds.length === 0) return found;
    const { rows } = await this.query<{ subject_id: string; key: Buffer | null }>(
      'SELECT subject_id, key FROM personal_data_keys WHERE subject_id = ANY($1::text[])',
      [[...new Set(subjectIds)]],
    );
    for (const row of rows) found.set(row.subject_id, row.key ?? 'forgotten');
    return found;
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw asPostgresUnavailable(error);
    }
  }
}
