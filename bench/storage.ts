import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { personalFieldsOf } from '@scim-ledger/domain';
import { EventStore, GlobalPosition, openEventStore, parsePosition, START_OF_ALL } from '@scim-ledger/event-store';
import { createFreshPostgresDatabase } from '../libs/event-store/src/postgres/fresh-postgres-database';

export type BackendName = 'sqlite' | 'postgres';

export interface SampledUser {
  readonly id: string;
  readonly tenantId: string;
  readonly userName: string;
  readonly externalId: string | null;
}

export interface ProjectionLag {
  /** Events appended but not yet in the read model. */
  readonly events: number;
  /** Age of the oldest of them in ms (0 when caught up). */
  readonly ageMs: number;
}

/** Read-model tables: dropped before a rebuild so the projector starts from nothing. */
const READ_MODEL_TABLES = [
  'scim_users',
  'audit_trail',
  'projection_checkpoints',
  'scim_tokens',
  'tenants',
  'api_credentials',
  'storages',
  'profiles',
  'scim_mappings',
];

/**
 * One fresh database for one backend's run (a temp dir with the SQLite file,
 * or a new PostgreSQL database), seen from the bench process: the server's
 * environment, the event-store port on the same database, and the few SQL
 * probes the figures need.
 */
export interface BenchStorage {
  readonly backend: BackendName;
  readonly env: Record<string, string>;
  /** As the api opens it: seeded users' personal fields are sealed, so the ceiling and the rebuild pay for it too. */
  openEventStore(): Promise<EventStore>;
  head(): Promise<{ position: GlobalPosition; count: number }>;
  checkpoint(): Promise<GlobalPosition>;
  /** Sampled during load: counts the events behind, so only cheap while few are. */
  lag(): Promise<ProjectionLag>;
  /** Whether any event is beyond the checkpoint: one index probe, however far behind (used while waiting). */
  behind(): Promise<boolean>;
  userCount(): Promise<number>;
  sampleUsers(limit: number, userNamePrefix: string): Promise<SampledUser[]>;
  /** The ids of up to `limit` users of one tenant, for the groups' members (bench/groups.ts). */
  userIdsOf(tenantId: string, limit: number): Promise<string[]>;
  dropReadModel(): Promise<void>;
  drop(): Promise<void>;
}

export async function openStorage(backend: BackendName): Promise<BenchStorage> {
  return backend === 'sqlite' ? sqliteStorage() : postgresStorage();
}

function sqliteStorage(): BenchStorage {
  const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-bench-'));
  const file = join(dir, 'scim-ledger.sqlite');
  let db: Database.Database | null = null;
  const connection = () => {
    if (!db) {
      db = new Database(file);
      db.pragma('busy_timeout = 5000');
    }
    return db;
  };
  const one = <T>(sql: string, ...params: unknown[]): T | undefined => {
    try {
      return connection()
        .prepare(sql)
        .get(...params) as T | undefined;
    } catch (error) {
      if (/no such table/.test((error as Error).message)) return undefined;
      throw error;
    }
  };
  const checkpoint = async () => {
    const row = one<{ position: string }>("SELECT position FROM projection_checkpoints WHERE name = 'read-model'");
    return row ? parsePosition(row.position) : START_OF_ALL;
  };
  return {
    backend: 'sqlite',
    env: { DATA_DIR: dir },
    openEventStore: () => openEventStore({ type: 'sqlite', file }, personalFieldsOf),
    head: async () => {
      const row = one<{ p: number | null; c: number }>('SELECT max(global_position) AS p, count(*) AS c FROM events');
      const p = BigInt(row?.p ?? -1);
      return { position: { commit: p, prepare: p }, count: row?.c ?? 0 };
    },
    checkpoint,
    lag: async () => {
      const after = await checkpoint();
      const row = one<{ c: number; t: string | null }>(
        'SELECT count(*) AS c, min(recorded_at) AS t FROM events WHERE global_position > ?',
        Number(after.commit),
      );
      return { events: row?.c ?? 0, ageMs: row?.t ? Math.max(0, Date.now() - Date.parse(row.t)) : 0 };
    },
    behind: async () => {
      const after = await checkpoint();
      return !!one<{ x: number }>('SELECT 1 AS x FROM events WHERE global_position > ? LIMIT 1', Number(after.commit));
    },
    userCount: async () => one<{ c: number }>('SELECT count(*) AS c FROM scim_users')?.c ?? 0,
    userIdsOf: async (tenantId, limit) =>
      (connection().prepare('SELECT id FROM scim_users WHERE tenantId = ? LIMIT ?').all(tenantId, limit) as { id: string }[]).map((row) => row.id),
    sampleUsers: async (limit, prefix) =>
      connection()
        .prepare('SELECT id, tenantId, userName, externalId FROM scim_users WHERE userName LIKE ? AND deletedInIdp = 0 LIMIT ?')
        .all(`${prefix}%`, limit) as SampledUser[],
    dropReadModel: async () => {
      const d = connection();
      for (const table of READ_MODEL_TABLES) d.exec(`DROP TABLE IF EXISTS "${table}"`);
    },
    drop: async () => {
      db?.close();
      db = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresStorage(): Promise<BenchStorage> {
  const database = await createFreshPostgresDatabase('scim_ledger_bench');
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => undefined);
  const rows = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> => {
    try {
      return (await pool.query<T>(sql, params)).rows;
    } catch (error) {
      if ((error as { code?: string }).code === '42P01') return []; // table not there (yet)
      throw error;
    }
  };
  const checkpoint = async () => {
    const [row] = await rows<{ position: string }>("SELECT position FROM projection_checkpoints WHERE name = 'read-model'");
    return row ? parsePosition(row.position) : START_OF_ALL;
  };
  return {
    backend: 'postgres',
    env: { EVENT_STORE: 'postgres', READ_MODEL: 'postgres', DATABASE_URL: database.url },
    openEventStore: () => openEventStore({ type: 'postgres', url: database.url }, personalFieldsOf),
    head: async () => {
      const [last] = await rows<{ x: string; p: string }>(
        'SELECT transaction_id::text AS x, global_position AS p FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
      );
      const [count] = await rows<{ c: string }>('SELECT count(*) AS c FROM events');
      return { position: last ? { commit: BigInt(last.x), prepare: BigInt(last.p) } : START_OF_ALL, count: Number(count?.c ?? 0) };
    },
    checkpoint,
    lag: async () => {
      const after = await checkpoint();
      const [row] = await rows<{ c: string; t: Date | null }>(
        after.commit < 0n
          ? 'SELECT count(*) AS c, min(recorded_at) AS t FROM events'
          : 'SELECT count(*) AS c, min(recorded_at) AS t FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)',
        after.commit < 0n ? [] : [after.commit.toString(), after.prepare.toString()],
      );
      return { events: Number(row?.c ?? 0), ageMs: row?.t ? Math.max(0, Date.now() - row.t.getTime()) : 0 };
    },
    behind: async () => {
      const after = await checkpoint();
      const found =
        after.commit < 0n
          ? await rows('SELECT 1 FROM events LIMIT 1')
          : await rows('SELECT 1 FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint) LIMIT 1', [
              after.commit.toString(),
              after.prepare.toString(),
            ]);
      return found.length > 0;
    },
    userCount: async () => Number((await rows<{ c: string }>('SELECT count(*) AS c FROM scim_users'))[0]?.c ?? 0),
    userIdsOf: async (tenantId, limit) =>
      (await rows<{ id: string }>('SELECT id FROM scim_users WHERE "tenantId" = $1 LIMIT $2', [tenantId, limit])).map((row) => row.id),
    sampleUsers: (limit, prefix) =>
      rows<SampledUser>('SELECT id, "tenantId", "userName", "externalId" FROM scim_users WHERE "userName" LIKE $1 AND NOT "deletedInIdp" LIMIT $2', [
        `${prefix}%`,
        limit,
      ]),
    dropReadModel: async () => {
      await pool.query(READ_MODEL_TABLES.map((table) => `DROP TABLE IF EXISTS "${table}" CASCADE;`).join('\n'));
    },
    drop: async () => {
      await pool.end().catch(() => undefined);
      await database.drop();
    },
  };
}
