import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface FreshPostgresDatabase {
  /** Connection string of the new, empty database. */
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * An empty database of its own for one test suite, on the server named by
 * PG_TEST_URL, so suites running in parallel never see each other's rows.
 */
export async function createFreshPostgresDatabase(
  prefix: string,
  options: { readonly naturalLanguageCollation?: boolean } = {},
): Promise<FreshPostgresDatabase> {
  const serverUrl = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${randomBytes(6).toString('hex')}`;
  // A server's databases are often created with a C collation (they are here), where an ORDER BY or a < without
  // COLLATE "C" compares as binary anyway; an English ICU collation ('a' < 'B') shows where the SQL forgot it.
  const collation = options.naturalLanguageCollation ? " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en'" : '';
  await asServerAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE "${name}"${collation}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      asServerAdmin(serverUrl, async (admin) => {
        // A pool somebody forgot to end would otherwise block the drop.
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}

async function asServerAdmin(serverUrl: string, work: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}
