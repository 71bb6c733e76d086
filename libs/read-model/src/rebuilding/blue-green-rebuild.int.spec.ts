import type { Mutex } from 'async-mutex';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { eventMetadata, personalFieldsOf, tenantStreamId, UserEvent, userStreamId } from '@scim-ledger/domain';
import { comparePositions, EventStore, openEventStore, sqliteWriteLock } from '@scim-ledger/event-store';
import { createFreshPostgresDatabase } from '../../../event-store/src/postgres/fresh-postgres-database';
import { AuditEntryRow } from '../audit/audit-entry.row';
import { ReadModelProjector } from '../projector';
import { openReadModel, ReadModelDatabase } from '../read-model.data-source';
import { TenantRow } from '../tenants/tenant.rows';
import { ScimUserRow } from '../users/scim-user.row';
import { readModelDifferences, rebuildReadModel } from '../verification';
import { RebuildProgress, RebuildRefusedError, rebuildBlueGreen, rebuildSwitching } from './blue-green-rebuild';
import { userCreated } from '../../../domain/src/testing/user-created';
import { until } from '../../../../test/support/polling';

/** A blue/green rebuild under a live projector that keeps serving and following the store, on both read-model databases. */
describe.each(['sqlite', 'postgres'] as const)('blue/green rebuild on %s', (type) => {
  let cleanup: Array<() => Promise<void>>;
  let database: ReadModelDatabase;
  let scratchDatabase: () => Promise<ReadModelDatabase>;
  let store: EventStore;
  let live: DataSource;
  let writeLock: Mutex | undefined;
  let stop: AbortController;
  let running: Promise<void>;
  let users = 0;

  beforeEach(async () => {
    cleanup = [];
    users = 0;
    if (type === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-rebuild-'));
      cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'scim-ledger.sqlite');
      database = { type, file };
      store = await openEventStore({ type, file }, personalFieldsOf);
      writeLock = sqliteWriteLock(file);
      scratchDatabase = async () => ({ type, file: join(dir, `scratch-${randomUUID()}.sqlite`) });
    } else {
      const fresh = await createFreshPostgresDatabase('scim_ledger_rebuild');
      cleanup.push(() => fresh.drop());
      database = { type, url: fresh.url };
      store = await openEventStore({ type, url: fresh.url }, personalFieldsOf);
      writeLock = undefined;
      scratchDatabase = async () => {
        const scratch = await createFreshPostgresDatabase('scim_ledger_rebuild_scratch');
        cleanup.push(() => scratch.drop());
        return { type, url: scratch.url };
      };
    }
    live = await openReadModel(database);
    stop = new AbortController();
    running = new ReadModelProjector(live, store, { writeLock, batchSize: 20 }).run(stop.signal);
  }, 60_000);

  afterEach(async () => {
    stop.abort();
    await running;
    await live.destroy();
    await store.close();
    for (const step of cleanup.reverse()) await step();
  });

  const metadata = (i: number) =>
    eventMetadata(
      {
        tenantId: 't1',
        actor: { kind: 'scim-token', id: 'tok' },
        requestId: `r${i}`,
        userAgent: 'test',
        clientAddress: '127.0.0.1',
        now: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      },
      2,
    );

  async function appendUsers(count: number): Promise<void> {
    for (let n = 0; n < count; n++) {
      const i = users++;
      const userId = randomUUID();
      const events: UserEvent[] = [
        userCreated(userId, `u${i}@example.com`, { displayName: `U ${i}` }),
        ...(i % 3 === 0 ? [{ type: 'UserPreserved', data: { by: 'idp', cause: 'deactivated' } } as UserEvent] : []),
      ];
      await store.append(
        userStreamId(userId),
        events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: { ...metadata(i) } })),
        'no_stream',
      );
    }
  }

  async function appendTenant(): Promise<void> {
    await store.append(
      tenantStreamId('t1'),
      [{ id: randomUUID(), type: 'TenantCreated', data: { tenantId: 't1', name: 'Tenant one', userManagement: 'manual' }, metadata: { ...metadata(0) } }],
      'no_stream',
    );
  }

  const allEvents = async () => {
    const events = [];
    for (
      let page = await store.readAll({ maxCount: 1000 });
      page.length > 0;
      page = await store.readAll({ after: page[page.length - 1].position, maxCount: 1000 })
    )
      events.push(...page);
    return events;
  };

  /** Until the live projector holds the store's last event (no timing asserted: the test's time-out bounds it). */
  async function liveCaughtUp(): Promise<void> {
    const events = await allEvents();
    const last = events[events.length - 1].position;
    const projector = new ReadModelProjector(live, store);
    await until(async () => comparePositions(await projector.checkpoint(), last) >= 0, 60_000, 'the live projector to hold the last event');
  }

  const tableNames = async (): Promise<string[]> =>
    type === 'sqlite'
      ? ((await live.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) as { name: string }[]).map((r) => r.name)
      : ((await live.query("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) as { name: string }[]).map((r) => r.name);

  it('given a live read model following the store, when rebuilt while reads and writes go on, then after the switch the schema is what a fresh start makes and the rows equal a normal rebuild', async () => {
    await appendTenant();
    await appendUsers(150);
    await liveCaughtUp();
    const progress: RebuildProgress[] = [];
    const readsDuring: number[] = [];

    const report = await rebuildBlueGreen(live, database, store, {
      batchSize: 25,
      writeLock,
      onProgress: async (step) => {
        progress.push(step);
        if (step.phase === 'projecting' && step.applied > 0 && readsDuring.length === 0) {
          // Mid-rebuild: the live tables answer, and new writes arrive.
          readsDuring.push(await live.getRepository(ScimUserRow).count());
          await appendUsers(30);
        }
      },
    });
    await appendUsers(10); // after the switch: the live projector must follow on the new tables
    await liveCaughtUp();

    expect(readsDuring).toHaveLength(1);
    expect(readsDuring[0]).toBeGreaterThanOrEqual(150);
    expect(report.events).toBeGreaterThanOrEqual(1 + 150 + 50 + 30 + 10);
    expect(progress.some((step) => step.phase === 'projecting' && step.total !== null && step.applied < step.total)).toBe(true);
    expect(await live.driver.createSchemaBuilder().log()).toMatchObject({ upQueries: [] });
    expect((await tableNames()).filter((name) => name.startsWith('rebuild_') || name.startsWith('retired_'))).toEqual([]);

    const events = await allEvents();
    const rows = await live.getRepository(ScimUserRow).find();
    expect(rows).toHaveLength(190);
    expect(rows.filter((row) => row.status === 'Preserved')).toHaveLength(Math.ceil(190 / 3));
    expect(await live.getRepository(AuditEntryRow).count()).toBe(events.length);
    expect(await live.getRepository(TenantRow).findOneByOrFail({ id: 't1' })).toMatchObject({ name: 'Tenant one' });
    const normal = await openReadModel(await scratchDatabase());
    try {
      await rebuildReadModel(normal, store);
      expect(await readModelDifferences(live, normal)).toEqual([]);
    } finally {
      await normal.destroy();
    }
  }, 120_000);

  it('given a rebuild already switched once, when rebuilt again, then it switches again and the schema still needs nothing', async () => {
    await appendTenant();
    await appendUsers(20);
    await rebuildBlueGreen(live, database, store, { writeLock, batchSize: 7 });

    await rebuildBlueGreen(live, database, store, { writeLock, batchSize: 7 });
    await appendUsers(5);
    await liveCaughtUp();

    expect(await live.getRepository(ScimUserRow).count()).toBe(25);
    expect(await live.driver.createSchemaBuilder().log()).toMatchObject({ upQueries: [] });
  }, 120_000);

  it('given a rebuild, then it reports switching (for GET /health/ready) from its switch phase until it gives its claim up, and not before or after', async () => {
    await appendTenant();
    await appendUsers(10);
    const seen: Record<string, boolean[]> = {};
    expect(await rebuildSwitching(live)).toBe(false);
    await rebuildBlueGreen(live, database, store, {
      writeLock,
      batchSize: 4,
      onProgress: async (step) => void (seen[step.phase] ??= []).push(await rebuildSwitching(live)),
    });
    expect(new Set(seen.projecting)).toEqual(new Set([false]));
    expect(new Set([...seen.switching, ...seen.finishing])).toEqual(new Set([true]));
    expect(await rebuildSwitching(live)).toBe(false);
  }, 120_000);

  it('given another rebuild holding a fresh claim, when a rebuild starts, then it is refused and the live tables are untouched', async () => {
    await appendUsers(3);
    await liveCaughtUp();
    const placeholder = type === 'sqlite' ? ['?', '?'] : ['$1', '$2'];
    await live.query(
      'CREATE TABLE IF NOT EXISTS read_model_rebuild_claim (id integer PRIMARY KEY, owner varchar(36) NOT NULL, heartbeat_at varchar(32) NOT NULL)',
    );
    await live.query(`INSERT INTO read_model_rebuild_claim (id, owner, heartbeat_at) VALUES (1, ${placeholder[0]}, ${placeholder[1]})`, [
      'other',
      new Date().toISOString(),
    ]);

    await expect(rebuildBlueGreen(live, database, store, { writeLock })).rejects.toBeInstanceOf(RebuildRefusedError);

    expect(await live.getRepository(ScimUserRow).count()).toBe(3);
    expect((await tableNames()).filter((name) => name.startsWith('rebuild_'))).toEqual([]);
  }, 60_000);
});
