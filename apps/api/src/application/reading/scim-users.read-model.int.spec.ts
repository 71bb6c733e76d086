import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openReadModel, ScimUserRow } from '@scim-ledger/read-model';
import { scimUserRow } from '../../../../../libs/read-model/src/testing/scim-user-row';
import type { ReadModelConfig } from '@scim-ledger/platform';
import { createFreshPostgresDatabase } from '../../../../../libs/event-store/src/postgres/fresh-postgres-database';
import { userFilterToSql } from '@scim-ledger/scim';
import { QueryTimedOut } from './read-budget';
import { ScimUsersReadModel, UserPageRequest } from './scim-users.read-model';
import { SqliteReadWorkers } from './sqlite-read-workers';

function userRow(i: number, tenantId = 'tenant-a'): ScimUserRow {
  return scimUserRow({
    id: `id-${tenantId}-${i}`,
    tenantId,
    userName: `user${String(i).padStart(3, '0')}@example.com`,
    displayName: i % 3 === 0 ? `Grace ${i}` : `Ada ${i}`,
    givenName: i % 4 === 0 ? null : 'Given',
    familyName: 'Family',
    externalId: `ext-${i}`,
    active: i % 2 === 0,
    deletedInIdp: i % 10 === 9,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    revision: i,
  });
}

const requests: Array<[string, UserPageRequest]> = [
  ['a substring filter', { filter: 'displayName co "grace"', startIndex: 1, count: 5, sortOrder: 'ascending' }],
  ['a plain page past the first', { startIndex: 11, count: 7, sortOrder: 'ascending' }],
  ['a sort with absent values', { filter: 'active eq true', startIndex: 1, count: 10, sortBy: 'name.givenName', sortOrder: 'descending' }],
  ['the first cursor page', { filter: 'userName sw "user0"', startIndex: 1, count: 4, sortOrder: 'ascending', cursor: null }],
  [
    'a cursor page',
    { startIndex: 1, count: 4, sortOrder: 'ascending', cursor: { createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 20)).toISOString(), id: 'id-tenant-a-20' } },
  ],
  ['only the count', { filter: 'displayName ew "7"', startIndex: 1, count: 0, sortOrder: 'ascending' }],
  ['an indexed lookup', { filter: 'userName eq "user012@example.com"', startIndex: 1, count: 10, sortOrder: 'ascending' }],
];

describe('the SCIM list reads on a SQLite file', () => {
  let dir: string;
  let dataSource: DataSource;
  let readModel: Extract<ReadModelConfig, { type: 'sqlite' }>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scim-ledger-read-workers-'));
    readModel = { type: 'sqlite', file: join(dir, 'read-model.sqlite') };
    dataSource = await openReadModel(readModel);
    await dataSource.getRepository(ScimUserRow).insert([...Array.from({ length: 60 }, (_, i) => userRow(i)), userRow(1, 'tenant-b')]);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given the read model file, when its journal mode is read, then WAL: the read workers read beside the projector', async () => {
    expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
  });

  it.each(requests)('given %s, when read by the workers and on the main thread, then the same page', async (_name, request) => {
    const inWorkers = new ScimUsersReadModel(dataSource, { queryTimeoutMs: 5000, sqliteReadWorkers: 2, readModel });
    const onMainThread = new ScimUsersReadModel(dataSource, { queryTimeoutMs: 5000, sqliteReadWorkers: 0, readModel });
    try {
      const expected = await onMainThread.page('tenant-a', { ...request });
      expect(expected.totalResults).toBeGreaterThan(0);
      expect(await inWorkers.page('tenant-a', { ...request })).toEqual(expected);
    } finally {
      await inWorkers.onModuleDestroy();
    }
  });

  it('given a row the projector commits after the workers started, when read again, then the workers see it', async () => {
    const inWorkers = new ScimUsersReadModel(dataSource, { queryTimeoutMs: 5000, sqliteReadWorkers: 1, readModel });
    try {
      const request = (): UserPageRequest => ({ filter: 'displayName co "late"', startIndex: 1, count: 10, sortOrder: 'ascending' });
      expect((await inWorkers.page('tenant-a', request())).totalResults).toBe(0);
      await dataSource.getRepository(ScimUserRow).insert({ ...userRow(500), displayName: 'Late arrival' });
      expect((await inWorkers.page('tenant-a', request())).users.map((u) => u.id)).toEqual(['id-tenant-a-500']);
    } finally {
      await inWorkers.onModuleDestroy();
    }
  });

  it('given a statement past its time budget, when run by a worker, then QueryTimedOut at once, and the next statement is answered', async () => {
    const workers = new SqliteReadWorkers(readModel.file, 1);
    try {
      // Long enough to outlast the 50 ms budget many times, short enough to end soon after: a terminated worker runs its statement to the end (SQLite cannot be interrupted from another thread), and Node waits for it at exit.
      const longRunning = 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000000) SELECT COUNT(*) AS c FROM n';
      await expect(workers.all(longRunning, {}, 50)).rejects.toThrow(QueryTimedOut);
      expect(await workers.all<{ c: number }>('SELECT COUNT(*) AS c FROM scim_users WHERE "tenantId" = :t', { t: 'tenant-b' }, 5000)).toEqual([{ c: 1 }]);
    } finally {
      await workers.close();
    }
  });

  // An indexed lookup runs on the event loop, outside the tenant's limit on expensive reads: each filter the
  // cost model calls indexed must be a search on the filtered column's index, never a walk of the tenant's rows,
  // however many users share the value.
  const plannedSteps = (filter: string) => {
    const translated = userFilterToSql(filter, 'sqlite', 'u');
    const where = `u."tenantId" = :tenantId AND u."deletedInIdp" = 0 AND (${translated.sql})`;
    const params = { ...translated.params, tenantId: 'tenant-a' };
    const connection = (dataSource.driver as unknown as { databaseConnection: import('better-sqlite3').Database }).databaseConnection;
    return [
      `SELECT COUNT(*) FROM scim_users u WHERE ${where}`,
      `SELECT u.id FROM scim_users u WHERE ${where} ORDER BY u."createdAt" ASC, u.id ASC LIMIT 10`,
    ].flatMap((sql) => (connection.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((step) => step.detail));
  };
  /** A step that reads by the filtered value: an index whose constraint names more than the tenant and the deletion flag. */
  const searchesByValue = (step: string) => /^SEARCH u USING (COVERING )?INDEX \S+ \((tenantId=\? AND )?(id|userNameLower|emailLower|externalId)=\?/.test(step);

  it.each([
    ['id eq "id-tenant-a-1"', true],
    ['userName eq "user001@example.com"', true],
    ['externalId eq "ext-1" and userName eq "user001@example.com"', true],
    // An index serves it, but many users may share the value: an expensive read, limited and off the event loop.
    ['externalId eq "ext-1"', false],
  ])('given %s, when its statements are planned, then SQLite searches by the value and walks nothing; an index probe: %s', (filter, probe) => {
    const users = new ScimUsersReadModel(dataSource, { queryTimeoutMs: 5000, sqliteReadWorkers: 0, readModel });
    expect(users.isIndexedLookup({ filter, startIndex: 1, count: 10, sortOrder: 'ascending' })).toBe(probe);
    const steps = plannedSteps(filter);
    expect({ filter, walks: steps.filter((step) => !searchesByValue(step)) }).toEqual({ filter, walks: [] });
  });

  it.each(['emails.value eq "user001@example.com"', 'emails[value eq "user001@example.com"]'])(
    "given %s, when planned, then the tenant's rows are read (every email is kept in the attribute document, rule A1): an expensive read, not an index probe",
    (filter) => {
      expect(plannedSteps(filter).filter((step) => !searchesByValue(step))).toContain('SCAN json_each VIRTUAL TABLE INDEX 1:');
      const users = new ScimUsersReadModel(dataSource, { queryTimeoutMs: 5000, sqliteReadWorkers: 0, readModel });
      expect(users.isIndexedLookup({ filter, startIndex: 1, count: 10, sortOrder: 'ascending' })).toBe(false);
    },
  );

  it('given indexed equalities joined by or, which SQLite plans as a walk of the tenant, when counted, then an expensive read, not an indexed lookup', () => {
    const filter = 'userName eq "user001@example.com" or externalId eq "ext-2"';
    expect(plannedSteps(filter).filter((step) => !searchesByValue(step))).not.toEqual([]);
    const users = new ScimUsersReadModel(dataSource, { queryTimeoutMs: 5000, sqliteReadWorkers: 0, readModel });
    expect(users.isIndexedLookup({ filter, startIndex: 1, count: 10, sortOrder: 'ascending' })).toBe(false);
  });

  it('given a SQL error in a worker, when run, then the error keeps its SQLite code', async () => {
    const workers = new SqliteReadWorkers(readModel.file, 1);
    try {
      await expect(workers.all('SELECT nothing FROM nowhere', {}, 5000)).rejects.toMatchObject({ code: 'SQLITE_ERROR' });
    } finally {
      await workers.close();
    }
  });
});

describe('the SCIM list reads on an in-memory SQLite', () => {
  it('given a read model in memory, when an expensive page is read, then it is answered on the main thread', async () => {
    const readModel: ReadModelConfig = { type: 'sqlite', file: ':memory:' };
    const dataSource = await openReadModel(readModel);
    try {
      await dataSource.getRepository(ScimUserRow).insert(Array.from({ length: 5 }, (_, i) => userRow(i)));
      const users = new ScimUsersReadModel(dataSource, { queryTimeoutMs: 5000, sqliteReadWorkers: 2, readModel });
      expect((await users.page('tenant-a', { filter: 'displayName co "a"', startIndex: 1, count: 10, sortOrder: 'ascending' })).totalResults).toBe(5);
      expect((users as unknown as { workers: unknown }).workers).toBeNull();
    } finally {
      await dataSource.destroy();
    }
  });
});

describe('the SCIM list reads on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createFreshPostgresDatabase>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createFreshPostgresDatabase('scim_ledger_read_budget');
    dataSource = await openReadModel({ type: 'postgres', url: database.url });
    await dataSource.getRepository(ScimUserRow).insert(Array.from({ length: 20 }, (_, i) => userRow(i)));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('given an expensive read that cannot finish within SCIM_QUERY_TIMEOUT_MS, when read, then QueryTimedOut and the connection serves the next read', async () => {
    const users = new ScimUsersReadModel(dataSource, { queryTimeoutMs: 200, sqliteReadWorkers: 0, readModel: { type: 'postgres', url: database.url } });
    // A lock held by another session: the read waits on it as on a slow plan, and statement_timeout counts the wait.
    const blocker = dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    await blocker.query('LOCK TABLE scim_users IN ACCESS EXCLUSIVE MODE');
    try {
      await expect(users.page('tenant-a', { filter: 'displayName co "grace"', startIndex: 1, count: 5, sortOrder: 'ascending' })).rejects.toThrow(
        QueryTimedOut,
      );
    } finally {
      await blocker.rollbackTransaction();
      await blocker.release();
    }
    expect((await users.page('tenant-a', { filter: 'displayName co "grace"', startIndex: 1, count: 5, sortOrder: 'ascending' })).totalResults).toBe(6);
  });

  it('given the pool after a timed-out read, when a connection is asked its statement_timeout, then 0: the projector keeps no time-out', async () => {
    const [{ statement_timeout }] = await dataSource.query('SHOW statement_timeout');
    expect(statement_timeout).toBe('0');
  });
});
