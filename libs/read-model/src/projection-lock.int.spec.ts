import type { Mutex } from 'async-mutex';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  eventMetadata,
  personalFieldsOf,
  TENANT_EVENT_SCHEMA_VERSIONS,
  tenantStreamId,
  USER_EVENT_SCHEMA_VERSIONS,
  UserEvent,
  userStreamId,
} from '@scim-ledger/domain';
import { EventStore, openEventStore, sqliteWriteLock } from '@scim-ledger/event-store';
import { createFreshPostgresDatabase } from '../../event-store/src/postgres/fresh-postgres-database';
import { PostgresAdvisoryProjectionLock, PROJECTOR_LEASE_TABLE, projectionLockFor, ProjectionLockTimings, SqliteLeaseProjectionLock } from './projection-lock';
import { ReadModelProjector, writeUserRows } from './projector';
import { openReadModel, ReadModelDatabase } from './read-model.data-source';
import { StorageRow, TenantRow } from './tenants/tenant.rows';
import { ScimUserRow } from './users/scim-user.row';
import { readModelDifferences, rebuildReadModel } from './verification';
import { userCreated } from '../../domain/src/testing/user-created';
import { until } from '../../../test/support/polling';

const FAST: ProjectionLockTimings = { pollIntervalMs: 20, leaseTtlMs: 1000, leaseRenewMs: 100 };

/** Issue 15, finding 2: one projector per read model, whatever number of processes share its database. */
describe.each(['sqlite', 'postgres'] as const)('projection lock and revision guards on %s', (type) => {
  let cleanup: Array<() => Promise<void>>;
  let database: ReadModelDatabase;
  let store: EventStore;
  let readModel: DataSource;
  let writeLock: Mutex | undefined;

  beforeEach(async () => {
    cleanup = [];
    if (type === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-lock-'));
      cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
      database = { type, file: join(dir, 'scim-ledger.sqlite') };
      store = await openEventStore(database, personalFieldsOf);
      writeLock = sqliteWriteLock(database.file);
    } else {
      const fresh = await createFreshPostgresDatabase('scim_ledger_lock');
      cleanup.push(() => fresh.drop());
      database = { type, url: fresh.url };
      store = await openEventStore(database, personalFieldsOf);
      writeLock = undefined;
    }
    readModel = await openReadModel(database);
  }, 60_000);

  afterEach(async () => {
    await readModel.destroy();
    await store.close();
    for (const step of cleanup.reverse()) await step();
  });

  const lock = () => projectionLockFor(database, readModel, { writeLock, timings: FAST });
  const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise<'not yet'>((resolve) => setTimeout(() => resolve('not yet'), ms))]);

  it('given one instance holds the lock, when another asks for it, then it waits; when the holder releases it, then the other holds it within a poll interval or two', async () => {
    const first = lock();
    const second = lock();
    const stop = new AbortController();
    try {
      const held = await first.acquire(stop.signal);
      expect(held?.aborted).toBe(false);
      const waiting = second.acquire(stop.signal);
      expect(await within(waiting, 300)).toBe('not yet');

      await first.release();

      const taken = await within(waiting, 500);
      expect(taken).not.toBe('not yet');
      expect((taken as AbortSignal).aborted).toBe(false);
    } finally {
      stop.abort();
      await first.release();
      await second.release();
    }
  });

  const metadata = (i: number) =>
    eventMetadata(
      {
        tenantId: 't1',
        actor: { kind: 'system', id: 'test' },
        requestId: `r${i}`,
        userAgent: null,
        clientAddress: null,
        now: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      },
      1,
    );

  /** Every tenant event after the first, each followed by a user event: 61 tenant revisions, 61 user events over 5 users. */
  async function appendLoad(from = 0, to = Infinity): Promise<void> {
    const tenantEvents = [
      { type: 'TenantCreated', data: { tenantId: 't1', name: 'Tenant one', userManagement: 'manual' } },
      ...Array.from({ length: 30 }, (_, i) => [
        { type: 'StorageAdded', data: { storageId: `s${i}`, name: `Storage ${i}`, region: 'eu', health: 'healthy' } },
        { type: 'TenantRenamed', data: { name: `Tenant ${i}` } },
      ]).flat(),
    ] as const;
    for (const [i, event] of tenantEvents.entries()) {
      if (i < from || i >= to) continue;
      await store.append(
        tenantStreamId('t1'),
        [
          {
            id: randomUUID(),
            type: event.type,
            data: event.data,
            metadata: { ...metadata(i), schemaVersion: TENANT_EVENT_SCHEMA_VERSIONS[event.type as keyof typeof TENANT_EVENT_SCHEMA_VERSIONS] },
          },
        ],
        'any',
      );
      const userId = `u${i % 5}`;
      const userEvent: UserEvent =
        i < 5
          ? userCreated(userId, `${userId}@example.com`, { displayName: 'U' })
          : { type: 'UserRenamed', data: { displayName: `U ${i}`, givenName: null, familyName: null } };
      await store.append(
        userStreamId(userId),
        [
          {
            id: randomUUID(),
            type: userEvent.type,
            data: userEvent.data,
            metadata: { ...metadata(i), schemaVersion: USER_EVENT_SCHEMA_VERSIONS[userEvent.type] },
          },
        ],
        'any',
      );
    }
  }

  it('given four projectors without the lock catching up side by side on one read model, when all are done, then none failed and the read model equals a rebuild from the events', async () => {
    // The first events projected already: from the start of all a projector drops and rebuilds indexes, which
    // two at once race on in PostgreSQL's catalogue (the lock prevents that too); here the rows are the point.
    await appendLoad(0, 1);
    await new ReadModelProjector(readModel, store, { writeLock }).catchUp();
    await appendLoad(1);
    const projectors = [1, 2, 3, 4].map((n) => new ReadModelProjector(readModel, store, { writeLock, batchSize: n }));

    await Promise.all(projectors.map((projector) => projector.catchUp()));

    expect(await readModel.getRepository(StorageRow).count()).toBe(30);
    expect(await readModel.getRepository(TenantRow).findOneByOrFail({ id: 't1' })).toMatchObject({ name: 'Tenant 29', revision: 60 });
    expect((await readModel.getRepository(ScimUserRow).find({ order: { id: 'ASC' } })).map((row) => row.revision)).toEqual([12, 11, 11, 11, 11]);
    const rebuilt = await openReadModel({ type: 'sqlite', file: ':memory:' });
    try {
      await rebuildReadModel(rebuilt, store);
      expect(await readModelDifferences(readModel, rebuilt)).toEqual([]);
    } finally {
      await rebuilt.destroy();
    }
  }, 60_000);

  it('given a user row at a later revision, when a late writer upserts the row of an earlier revision, then the later one stays', async () => {
    await appendLoad();
    await new ReadModelProjector(readModel, store, { writeLock }).catchUp();
    const newer = await readModel.getRepository(ScimUserRow).findOneByOrFail({ id: 'u0' });
    // As a projector that read the row before the other committed would: its own, older, fold of the stream.
    const older = { ...newer, displayName: 'older', revision: newer.revision - 3 };
    await readModel.transaction((manager) => writeUserRows(manager, [older]));

    expect(await readModel.getRepository(ScimUserRow).findOneByOrFail({ id: 'u0' })).toMatchObject({
      displayName: newer.displayName,
      revision: newer.revision,
    });
  });

  if (type === 'postgres') {
    it('given the holder loses its connection (as when its process is killed), then its signal aborts and another instance takes the lock over within a poll interval or two', async () => {
      const first = lock() as PostgresAdvisoryProjectionLock;
      const second = lock();
      const stop = new AbortController();
      try {
        const held = (await first.acquire(stop.signal))!;
        const waiting = second.acquire(stop.signal);
        const admin = new Client({ connectionString: (database as { url: string }).url });
        await admin.connect();
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [first.holder.slice(0, 63)]);
        await admin.end();

        const taken = await within(waiting, 1000);
        expect(taken).not.toBe('not yet');
        expect(held.aborted).toBe(true);
      } finally {
        stop.abort();
        await first.release();
        await second.release();
      }
    });

    it('given the holder stops running without dying (its keep-alive silent, as under SIGSTOP), then the server ends its idle session after the TTL and another instance takes the lock over', async () => {
      // Renewing once a minute stands for a frozen process: its lock connection goes quiet.
      const frozen = projectionLockFor(database, readModel, { timings: { ...FAST, leaseRenewMs: 60_000 } }) as PostgresAdvisoryProjectionLock;
      const second = lock();
      const stop = new AbortController();
      try {
        const held = (await frozen.acquire(stop.signal))!;
        const taken = await within(second.acquire(stop.signal), FAST.leaseTtlMs * 4);
        expect(taken).not.toBe('not yet');
        expect(held.aborted).toBe(true);
      } finally {
        stop.abort();
        await frozen.release();
        await second.release();
      }
    });
  } else {
    it('given a lease whose holder stopped renewing it, when its time-out passed, then another process takes it over, and a holder whose lease was taken learns it lost it', async () => {
      let now = 1_000_000;
      const clock = () => now;
      const stop = new AbortController();
      const taker = new SqliteLeaseProjectionLock(readModel, FAST, writeLock, clock);
      try {
        // The stopped holder: a process on another machine's name (so not recognised as gone), last renewed now.
        await readModel.query(`CREATE TABLE IF NOT EXISTS ${PROJECTOR_LEASE_TABLE} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
        await readModel.query(`INSERT INTO ${PROJECTOR_LEASE_TABLE} VALUES ('read-model', 'scim-ledger projector pid 1 on elsewhere 0', ?)`, [
          now + FAST.leaseTtlMs,
        ]);
        const waiting = taker.acquire(stop.signal);
        expect(await within(waiting, 200)).toBe('not yet');

        now += FAST.leaseTtlMs;
        const held = await within(waiting, 500);
        expect(held).not.toBe('not yet');

        // Now another takes it from the taker (its renewals had stalled past the time-out): the next renewal notices.
        await readModel.query(`UPDATE ${PROJECTOR_LEASE_TABLE} SET holder = 'scim-ledger projector pid 1 on elsewhere 1'`);
        await until(async () => (held as AbortSignal).aborted, FAST.leaseRenewMs * 3, 'the taker to learn it lost the lease');
        expect((held as AbortSignal).aborted).toBe(true);
      } finally {
        stop.abort();
        await taker.release();
      }
    });

    it('given a lease whose holder on this machine no longer runs, when another process asks, then it takes the lease at once without waiting for the time-out', async () => {
      const stop = new AbortController();
      const taker = new SqliteLeaseProjectionLock(readModel, FAST, writeLock);
      try {
        await readModel.query(`CREATE TABLE IF NOT EXISTS ${PROJECTOR_LEASE_TABLE} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
        const gone = `scim-ledger projector pid 999999999 on ${hostname()} 0`;
        await readModel.query(`INSERT INTO ${PROJECTOR_LEASE_TABLE} VALUES ('read-model', ?, ?)`, [gone, Date.now() + 60_000]);

        expect(await within(taker.acquire(stop.signal), 200)).not.toBe('not yet');
      } finally {
        stop.abort();
        await taker.release();
      }
    });
  }
});
