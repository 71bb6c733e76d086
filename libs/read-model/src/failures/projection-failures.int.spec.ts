import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { eventMetadata, personalFieldsOf, USER_EVENT_SCHEMA_VERSIONS, UserEvent, userStreamId } from '@scim-ledger/domain';
import { EventStore, formatPosition, GlobalPosition, openEventStore, sqliteWriteLock } from '@scim-ledger/event-store';
import { createFreshPostgresDatabase } from '../../../event-store/src/postgres/fresh-postgres-database';
import { ProjectionCheckpointRow } from '../checkpoints/projection-checkpoint.row';
import { ReadModelProjector } from '../projector';
import { openReadModel } from '../read-model.data-source';
import { ScimUserRow } from '../users/scim-user.row';
import { readModelDifferences } from '../verification';
import { ProjectionFailureRow } from './projection-failure.row';
import { userCreated } from '../../../domain/src/testing/user-created';
import { until } from '../../../../test/support/polling';

const POISON = 'poison@example.com';

/**
 * Issue 15, finding 1(b): one event the read model cannot take (here a
 * database rule refuses its row, as varchar(512) refused 612 characters)
 * must not stop the projector for every stream. The rule stands for any
 * deterministic failure; dropping it stands for the code fix.
 */
describe.each(['sqlite', 'postgres'] as const)('an event the read model cannot take, on %s', (type) => {
  let cleanup: Array<() => Promise<void>>;
  let store: EventStore;
  let readModel: DataSource;
  let projector: ReadModelProjector;
  let stop: AbortController;
  let running: Promise<void>;
  const setAside: ProjectionFailureRow[] = [];

  beforeEach(async () => {
    cleanup = [];
    let writeLock;
    if (type === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-poison-'));
      cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'db.sqlite');
      store = await openEventStore({ type, file }, personalFieldsOf);
      readModel = await openReadModel({ type, file });
      writeLock = sqliteWriteLock(file);
      await readModel.query(
        `CREATE TRIGGER refuse_poison BEFORE INSERT ON scim_users WHEN NEW."userName" = '${POISON}' BEGIN SELECT RAISE(ABORT, 'the read model refuses this row'); END`,
      );
    } else {
      const fresh = await createFreshPostgresDatabase('scim_ledger_poison');
      cleanup.push(() => fresh.drop());
      store = await openEventStore({ type, url: fresh.url }, personalFieldsOf);
      readModel = await openReadModel({ type, url: fresh.url });
      await readModel.query(`ALTER TABLE scim_users ADD CONSTRAINT refuse_poison CHECK ("userName" <> '${POISON}')`);
    }
    projector = new ReadModelProjector(readModel, store, { writeLock, batchSize: 50, retryDelayMs: 50, onSetAside: (f) => setAside.push(f) });
    stop = new AbortController();
    running = projector.run(stop.signal);
  }, 60_000);

  afterEach(async () => {
    stop.abort();
    await running;
    await readModel.destroy();
    await store.close();
    for (const step of cleanup.reverse()) await step();
    setAside.length = 0;
  });

  const append = (userId: string, event: UserEvent, expected: 'no_stream' | number) =>
    store.append(
      userStreamId(userId),
      [
        {
          id: randomUUID(),
          type: event.type,
          data: event.data as unknown as Record<string, unknown>,
          metadata: {
            ...eventMetadata(
              {
                tenantId: 't1',
                actor: { kind: 'scim-token', id: 'tok' },
                requestId: randomUUID(),
                userAgent: null,
                clientAddress: null,
                now: '2026-12-03T07:00:00.000Z',
              },
              USER_EVENT_SCHEMA_VERSIONS[event.type],
            ),
          },
        },
      ],
      expected,
    );
  const created = (userId: string, userName: string): UserEvent => userCreated(userId, userName);
  const renamed = (displayName: string): UserEvent => ({ type: 'UserRenamed', data: { displayName, givenName: null, familyName: null } });

  async function projectedThrough(position: GlobalPosition): Promise<void> {
    await until(
      async () => (await readModel.getRepository(ProjectionCheckpointRow).findOneBy({ name: 'read-model' }))?.position === formatPosition(position),
      30_000,
      `the checkpoint to reach ${formatPosition(position)}`,
    );
  }

  it('given a poison create among others, when projected, then it is set aside with its error, its stream waits, every other stream goes on, and verify reports it', async () => {
    const [poisoned, before, after] = [randomUUID(), randomUUID(), randomUUID()];
    await append(before, created(before, 'before@example.com'), 'no_stream');
    await append(poisoned, created(poisoned, POISON), 'no_stream');
    await append(poisoned, renamed('Renamed while set aside'), 0);
    const last = await append(after, created(after, 'after@example.com'), 'no_stream');

    await projectedThrough(last.position);

    const users = await readModel.getRepository(ScimUserRow).find({ order: { userName: 'ASC' } });
    expect(users.map((u) => u.userName)).toEqual(['after@example.com', 'before@example.com']);
    const failures = await readModel.getRepository(ProjectionFailureRow).find();
    expect(failures).toEqual([
      expect.objectContaining({
        streamId: userStreamId(poisoned),
        revision: 0,
        eventType: 'UserCreated',
        heldEvents: 1,
        error: expect.stringMatching(/refuse/),
      }),
    ]);
    expect(setAside).toHaveLength(1);
    // The failure names the stream and the error, never the event's data (it may name a person).
    expect(failures[0].error).not.toContain('Renamed while set aside');
    const differences = await readModelDifferences(readModel, readModel);
    expect(differences).toEqual([expect.stringContaining(`projection failure: ${userStreamId(poisoned)} at revision 0`)]);
  }, 60_000);

  it('given a stream set aside, when the cause is fixed and the failures retried, then its events apply in order and nothing stays set aside', async () => {
    const poisoned = randomUUID();
    await append(poisoned, created(poisoned, POISON), 'no_stream');
    const last = await append(poisoned, renamed('Renamed while set aside'), 0);
    await projectedThrough(last.position);
    expect(await readModel.getRepository(ProjectionFailureRow).count()).toBe(1);

    const stillFailing = await projector.retryFailures();
    expect(stillFailing.cleared).toEqual([]);
    expect(stillFailing.failing).toHaveLength(1);

    await readModel.query(type === 'sqlite' ? 'DROP TRIGGER refuse_poison' : 'ALTER TABLE scim_users DROP CONSTRAINT refuse_poison');
    const retried = await projector.retryFailures();
    expect(retried).toEqual({ cleared: [userStreamId(poisoned)], failing: [] });
    expect(await readModel.getRepository(ScimUserRow).findOneBy({ id: poisoned })).toMatchObject({
      userName: POISON,
      displayName: 'Renamed while set aside',
      revision: 1,
    });
    expect(await readModel.getRepository(ProjectionFailureRow).count()).toBe(0);
    // A later event of the stream is applied by the projector as any other.
    const next = await append(poisoned, renamed('After the fix'), 1);
    await projectedThrough(next.position);
    expect(await readModel.getRepository(ScimUserRow).findOneBy({ id: poisoned })).toMatchObject({ displayName: 'After the fix', revision: 2 });
  }, 60_000);
});
