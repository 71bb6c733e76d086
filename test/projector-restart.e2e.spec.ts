import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { eventMetadata, personalFieldsOf, UserEvent, userStreamId } from '@scim-ledger/domain';
import { EventStore, openEventStore } from '@scim-ledger/event-store';
import { AuditEntryRow, openReadModel, readModelDifferences, rebuildReadModel, ScimUserRow } from '@scim-ledger/read-model';
import { AppConfig, loadConfig } from '@scim-ledger/platform';
import { E2E_DATABASE, freshStorage } from './support/test-app';
import { userCreated } from '../libs/domain/src/testing/user-created';
import { until } from './support/polling';
import { builtEntry } from './support/processes';
import { TIMEOUTS } from './support/timeouts';

const USERS = 600;
const ROOT = join(__dirname, '..');

/** Done-when of the walking skeleton: kill -9 the projector mid-way, restart it, and the read model equals a rebuild. */
describe(`projector process killed mid-way on ${E2E_DATABASE}`, () => {
  const storages: Array<{ drop(): Promise<void> }> = [];
  let config: AppConfig;
  let env: Record<string, string>;
  let store: EventStore;
  let live: DataSource;

  let projectorEntry: string;
  beforeAll(async () => {
    projectorEntry = await builtEntry('projector');
  }, TIMEOUTS.build);
  beforeAll(async () => {
    const storage = await freshStorage();
    storages.push(storage);
    env = { ...storage.env, PROJECTOR_BATCH_SIZE: '10', LOG_LEVEL: 'silent' };
    config = loadConfig(env);
    store = await openEventStore(config.eventStore, personalFieldsOf);
    for (let i = 0; i < USERS; i++) {
      const userId = randomUUID();
      const metadata = eventMetadata(
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
      const events: UserEvent[] = [
        userCreated(userId, `u${i}@example.com`, { displayName: `U ${i}` }),
        ...(i % 3 === 0 ? [{ type: 'UserPreserved', data: { by: 'idp', cause: 'deactivated' } } as UserEvent] : []),
      ];
      await store.append(
        userStreamId(userId),
        events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: { ...metadata } })),
        'no_stream',
      );
    }
    live = await openReadModel(config.readModel);
  }, TIMEOUTS.load);

  afterAll(async () => {
    await live?.destroy();
    await store?.close();
    for (const storage of storages) await storage.drop();
  });

  const totalEvents = USERS + USERS / 3;
  const auditCount = () => live.getRepository(AuditEntryRow).count();

  function startProjector(): ChildProcess {
    // node itself runs the built projector, so SIGKILL hits the projector, not a wrapper.
    return spawn(process.execPath, [projectorEntry], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  it(
    'given a projector killed with SIGKILL part-way, when restarted, then the read model equals a rebuild from the events',
    async () => {
      const first = startProjector();
      const exited = new Promise((resolve) => first.once('exit', resolve));
      await until(async () => (await auditCount()) > 0, 60_000, 'the first projector to write', 5);
      first.kill('SIGKILL');
      await exited;
      const atKill = await auditCount();
      expect(atKill).toBeGreaterThan(0);
      expect(atKill).toBeLessThan(totalEvents);

      const second = startProjector();
      await until(async () => (await auditCount()) === totalEvents, 60_000, 'the second projector to write every entry');
      second.kill('SIGTERM');
      await new Promise((resolve) => second.once('exit', resolve));

      const rebuildStorage = await freshStorage();
      storages.push(rebuildStorage);
      const rebuilt = await openReadModel(loadConfig(rebuildStorage.env).readModel);
      try {
        await rebuildReadModel(rebuilt, store);
        const liveRows = await live.getRepository(ScimUserRow).find();
        expect(liveRows).toHaveLength(USERS);
        expect(liveRows.filter((r) => r.status === 'Preserved')).toHaveLength(USERS / 3);
        expect(await readModelDifferences(live, rebuilt)).toEqual([]);
      } finally {
        await rebuilt.destroy();
      }
    },
    TIMEOUTS.load,
  );
});
