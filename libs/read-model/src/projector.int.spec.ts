import { randomUUID } from 'node:crypto';
import { userCreated } from '../../domain/src/testing/user-created';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { eventMetadata, USER_EVENT_SCHEMA_VERSIONS, UserEvent, userStreamId } from '@scim-ledger/domain';
import { formatPosition, SqliteEventStore, sqliteWriteLock } from '@scim-ledger/event-store';
import { AuditEntryRow } from './audit/audit-entry.row';
import { ProjectionCheckpointRow } from './checkpoints/projection-checkpoint.row';
import type { Projection } from './projection';
import { READ_MODEL_PROJECTIONS } from './projections';
import { ReadModelProjector } from './projector';
import { openReadModel } from './read-model.data-source';
import { ScimUserRow } from './users/scim-user.row';
import { until } from '../../../test/support/polling';
import { TIMEOUTS } from '../../../test/support/timeouts';

const at = (minute: number) => `2026-11-23T10:${String(minute).padStart(2, '0')}:00.000Z`;
const meta = (minute: number) =>
  eventMetadata(
    { tenantId: 't1', actor: { kind: 'scim-token', id: 'token-1' }, requestId: `req-${minute}`, userAgent: 'Okta', clientAddress: '10.0.0.1', now: at(minute) },
    1,
  );
const created = (userId: string, userName: string): UserEvent =>
  userCreated(userId, userName, {
    displayName: 'Ada',
    givenName: 'Ada',
    externalId: 'x1',
    placement: { mappingId: 'eng', profileId: 'staff', storageId: 'eu', quota: { amount: 5, unit: 'GB' }, sendActivationEmail: false },
    idpAttributes: { department: 'Engineering' },
  });

describe('ReadModelProjector on SQLite', () => {
  let dir: string;
  let store: SqliteEventStore;
  let readModel: DataSource;
  let projector: ReadModelProjector;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scim-ledger-projector-'));
    const file = join(dir, 'db.sqlite');
    store = SqliteEventStore.open({ file });
    readModel = await openReadModel({ type: 'sqlite', file });
    projector = new ReadModelProjector(readModel, store, { writeLock: sqliteWriteLock(file) });
  }, TIMEOUTS.appStart);
  afterEach(async () => {
    await store.close();
    await readModel.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function append(userId: string, events: UserEvent[], minute: number) {
    return store.append(
      userStreamId(userId),
      events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: { ...meta(minute), schemaVersion: USER_EVENT_SCHEMA_VERSIONS[e.type] } })),
      'any',
    );
  }

  it('given a UserCreated stored as version 1 before version 2 existed, when projected, then it is upcast: an IdP user with no placement', async () => {
    const {
      provisionedBy: _p,
      placement: _pl,
      idpAttributes: _a,
      ...v1
    } = (created('u-v1', 'old@example.com') as Extract<UserEvent, { type: 'UserCreated' }>).data;
    await store.append(userStreamId('u-v1'), [{ id: randomUUID(), type: 'UserCreated', data: v1, metadata: { ...meta(1), schemaVersion: 1 } }], 'no_stream');

    await projector.catchUp();

    const row = await readModel.getRepository(ScimUserRow).findOneByOrFail({ id: 'u-v1' });
    expect(row).toMatchObject({ userName: 'old@example.com', provisionedBy: 'idp', profileId: null, storageId: null, legalHold: false });
  });

  it('given one more projection registered, when a batch is projected, then it sees every fresh event once, in order, beside the others, and a failure of it commits nothing', async () => {
    const seen: string[] = [];
    let failOn: string | null = null;
    const counting: Projection = {
      name: 'counting',
      tables: [],
      async project(_manager, batch) {
        for (const event of batch.events) {
          if (event.type === failOn) throw new Error('the counting projection fails');
          seen.push(`${event.streamId}@${event.revision} ${event.type}`);
        }
      },
    };
    const withCounting = new ReadModelProjector(readModel, store, {
      writeLock: sqliteWriteLock(join(dir, 'db.sqlite')),
      projections: [...READ_MODEL_PROJECTIONS, counting],
    });
    await append('u-reg', [created('u-reg', 'registered@example.com')], 1);
    await withCounting.catchUp();
    await withCounting.catchUp();
    expect(seen).toEqual([`${userStreamId('u-reg')}@0 UserCreated`]);
    expect(await readModel.getRepository(ScimUserRow).countBy({ id: 'u-reg' })).toBe(1);

    // The same transaction as the rows and the checkpoint: when it fails, neither its rows nor the others' move on.
    failOn = 'UserRenamed';
    await append('u-reg', [{ type: 'UserRenamed', data: { displayName: 'Renamed', givenName: null, familyName: null } }], 2);
    await withCounting.catchUp().catch(() => undefined);
    expect((await readModel.getRepository(ScimUserRow).findOneByOrFail({ id: 'u-reg' })).displayName).toBe('Ada');
  });

  it('given a user placed by a mapping, when projected, then its row carries the mapping, profile, storage and quota', async () => {
    await append('u-placed', [created('u-placed', 'placed@example.com')], 1);

    await projector.catchUp();

    const row = await readModel.getRepository(ScimUserRow).findOneByOrFail({ id: 'u-placed' });
    expect(row).toMatchObject({ mappingId: 'eng', profileId: 'staff', storageId: 'eu', quotaAmount: 5, quotaUnit: 'GB', sendActivationEmail: false });
  });

  it('given created, renamed and preserved events, when projected, then one row with the latest state and one audit entry each', async () => {
    await append('u1', [created('u1', 'Ada@Example.com')], 1);
    await append('u1', [{ type: 'UserRenamed', data: { displayName: 'Ada King', givenName: 'Ada', familyName: 'King' } }], 2);
    const last = await append('u1', [{ type: 'UserPreserved', data: { by: 'idp', cause: 'deactivated' } }], 3);

    await projector.catchUp();

    const row = await readModel.getRepository(ScimUserRow).findOneByOrFail({ id: 'u1' });
    expect(row).toMatchObject({
      tenantId: 't1',
      userName: 'Ada@Example.com',
      userNameLower: 'ada@example.com',
      displayName: 'Ada King',
      familyName: 'King',
      status: 'Preserved',
      active: false,
      createdAt: at(1),
      lastModified: at(3),
      revision: 2,
    });
    const audit = await readModel.getRepository(AuditEntryRow).find({ order: { streamRevision: 'ASC' } });
    expect(audit.map((e) => [e.eventType, e.requestId, e.actorId])).toEqual([
      ['UserCreated', 'req-1', 'token-1'],
      ['UserRenamed', 'req-2', 'token-1'],
      ['UserPreserved', 'req-3', 'token-1'],
    ]);
    const checkpoint = await readModel.getRepository(ProjectionCheckpointRow).findOneByOrFail({ name: 'read-model' });
    expect(checkpoint.position).toBe(formatPosition(last.position));
  });

  it('given a fresh read model, when it catches up from the start, then the indexes it built without are back', async () => {
    const indexes = async () =>
      ((await readModel.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")) as { name: string }[]).map(
        (row) => row.name,
      );
    const before = await indexes();
    for (let i = 0; i < 5; i++) await append(`b${i}`, [created(`b${i}`, `b${i}@example.com`)], i);

    await projector.catchUp();

    expect(await indexes()).toEqual(before);
    expect(before).toEqual(expect.arrayContaining(['scim_users_tenant_user_name', 'audit_trail_user']));
    expect(await readModel.getRepository(ScimUserRow).count()).toBe(5);
  });

  it('given a batch already applied, when it is delivered again, then rows and audit stay as they were', async () => {
    await append('u1', [created('u1', 'a@example.com')], 1);
    await append('u1', [{ type: 'UserRenamed', data: { displayName: 'Second', givenName: null, familyName: null } }], 2);
    const events = await store.readAll({ maxCount: 100 });
    await projector.apply(events);
    const before = await readModel.getRepository(ScimUserRow).find();

    await projector.apply(events);
    // Even with the checkpoint lost, the row revision keeps an old event from applying twice.
    await readModel.getRepository(ProjectionCheckpointRow).delete({ name: 'read-model' });
    await projector.apply(events.slice(0, 1));

    expect(await readModel.getRepository(ScimUserRow).find()).toEqual(before);
    expect(before[0].displayName).toBe('Second');
    expect(await readModel.getRepository(AuditEntryRow).count()).toBe(2);
  });

  it('given a running projector, when events are appended, then it follows them live and reports each advance', async () => {
    const stop = new AbortController();
    const advanced: string[] = [];
    projector.onAdvanced((p) => advanced.push(formatPosition(p)));
    const running = projector.run(stop.signal);

    const result = await append('u2', [created('u2', 'live@example.com')], 5);
    await until(async () => advanced.includes(formatPosition(result.position)), 10_000, 'the projector to report result');
    stop.abort();
    await running;

    expect((await readModel.getRepository(ScimUserRow).findOneByOrFail({ id: 'u2' })).userName).toBe('live@example.com');
  });

  it('given a running projector, when its tables are swapped for ones holding less (an older checkpoint), then it re-applies from their checkpoint: no event lost, none twice', async () => {
    const stop = new AbortController();
    const advanced: string[] = [];
    projector.onAdvanced((p) => advanced.push(formatPosition(p)));
    const running = projector.run(stop.signal);
    await append('u1', [created('u1', 'one@example.com')], 1);
    const second = await append('u2', [created('u2', 'two@example.com')], 2);
    await until(async () => advanced.includes(formatPosition(second.position)), 10_000, 'the projector to report second');

    // As a switch to tables rebuilt up to u1 would leave them: u2's row, entry and checkpoint gone.
    const [first] = await store.readAll({ maxCount: 1 });
    await sqliteWriteLock(join(dir, 'db.sqlite')).runExclusive(() =>
      readModel.transaction(async (manager) => {
        await manager.delete(ScimUserRow, { id: 'u2' });
        await manager.delete(AuditEntryRow, { userId: 'u2' });
        await manager.update(ProjectionCheckpointRow, { name: 'read-model' }, { position: formatPosition(first.position) });
      }),
    );
    const third = await append('u3', [created('u3', 'three@example.com')], 3);
    await until(async () => advanced.includes(formatPosition(third.position)), 10_000, 'the projector to report third');
    stop.abort();
    await running;

    expect((await readModel.getRepository(ScimUserRow).find({ order: { id: 'ASC' } })).map((row) => row.id)).toEqual(['u1', 'u2', 'u3']);
    expect((await readModel.getRepository(AuditEntryRow).find({ order: { id: 'ASC' } })).map((entry) => entry.userId)).toEqual(['u1', 'u2', 'u3']);
  });
});
