import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  GROUP_EVENT_SCHEMA_VERSIONS,
  groupStreamId,
  TENANT_EVENT_SCHEMA_VERSIONS,
  tenantStreamId,
  USER_EVENT_SCHEMA_VERSIONS,
  userStreamId,
} from '@scim-ledger/domain';
import { SqliteEventStore } from '@scim-ledger/event-store';
import { createFreshPostgresDatabase, FreshPostgresDatabase } from '../../../event-store/src/postgres/fresh-postgres-database';
import { ReadModelProjector } from '../projector';
import { openReadModel, ReadModelDatabase } from '../read-model.data-source';
import { readModelDifferences, rebuildReadModel } from '../verification';
import { ScimGroupMemberRow, ScimGroupRow, UserMembershipChangeRow } from './scim-group.rows';
import { userMembershipChanges } from './user-membership-changes';
import { appendOneAMinute, GivenEvent } from '../testing/events-one-a-minute';
import { userCreated as userCreatedEvent } from '../../../domain/src/testing/user-created';

const TENANT = 'acme';
const SCHEMA_VERSIONS: Record<string, number> = { ...TENANT_EVENT_SCHEMA_VERSIONS, ...USER_EVENT_SCHEMA_VERSIONS, ...GROUP_EVENT_SCHEMA_VERSIONS };
type Given = readonly GivenEvent[];

const userCreated = (userId: string, tenantId = TENANT) => userCreatedEvent(userId, `${userId}@acme.test`, { tenantId, displayName: userId });
const groupCreated = (groupId: string, displayName: string, members: string[]) => ({
  type: 'GroupCreated',
  data: { groupId, tenantId: TENANT, displayName, externalId: `ext-${groupId}`, members },
});
const membersChanged = (added: string[], removed: string[]) => ({ type: 'GroupMembersChanged', data: { added, removed } });

/** As the api records them, by its SCIM token (rule S1). */
const appendAll = (store: SqliteEventStore, events: Given) =>
  appendOneAMinute(store, events, { tenantId: TENANT, actor: { kind: 'scim-token', id: 'tok' }, schemaVersions: SCHEMA_VERSIONS });

const MEMBERSHIP: Given = [
  [userStreamId('u1'), userCreated('u1')],
  [userStreamId('u2'), userCreated('u2')],
  [userStreamId('u3'), userCreated('u3')],
  [groupStreamId('g1'), groupCreated('g1', 'Engineering', ['u1', 'u2'])],
  [groupStreamId('g2'), groupCreated('g2', 'Sales', ['u1'])],
  [groupStreamId('g1'), membersChanged(['u3'], ['u1'])],
  [groupStreamId('g1'), { type: 'GroupChanged', data: { displayName: 'R&D Team', externalId: null } }],
  [userStreamId('u2'), { type: 'UserDeletedPermanently', data: { reason: 'deleted_by_admin' } }],
  [groupStreamId('g1'), membersChanged(['u2'], [])],
  [groupStreamId('g2'), { type: 'GroupDeleted', data: {} }],
];

const TENANT_DELETION: Given = [
  [tenantStreamId(TENANT), { type: 'TenantCreated', data: { tenantId: TENANT, name: 'Acme', userManagement: 'scim' } }],
  [userStreamId('u1'), userCreated('u1')],
  [groupStreamId('g1'), groupCreated('g1', 'Engineering', ['u1'])],
  [tenantStreamId(TENANT), { type: 'TenantDeleted', data: {} }],
  [groupStreamId('g2'), groupCreated('g2', 'Late', ['u1'])],
  [userStreamId('u1'), { type: 'UserDeletedPermanently', data: { reason: 'tenant_deleted' } }],
];

describe.each(['sqlite', 'postgres'] as const)('the groups projection on %s (rule G1)', (kind) => {
  let dir: string;
  let store: SqliteEventStore;
  const databases: FreshPostgresDatabase[] = [];
  const readModels: DataSource[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scim-ledger-groups-'));
    store = SqliteEventStore.open({ file: join(dir, 'events.sqlite') });
  });
  afterEach(async () => {
    await Promise.all(readModels.splice(0).map((ds) => ds.destroy()));
    await store.close();
    await Promise.all(databases.splice(0).map((db) => db.drop()));
    rmSync(dir, { recursive: true, force: true });
  });
  async function readModel(name: string): Promise<DataSource> {
    let database: ReadModelDatabase = { type: 'sqlite', file: join(dir, `${name}.sqlite`) };
    if (kind === 'postgres') {
      const fresh = await createFreshPostgresDatabase(`scim_ledger_groups_${name}`);
      databases.push(fresh);
      database = { type: 'postgres', url: fresh.url };
    }
    const opened = await openReadModel(database);
    readModels.push(opened);
    return opened;
  }
  const membersOf = async (model: DataSource) =>
    (await model.getRepository(ScimGroupMemberRow).find({ order: { groupId: 'ASC', userId: 'ASC' } })).map((row) => `${row.groupId}:${row.userId}`);

  it('given creates, a delta, a rename, a user deleted for good and a group deleted, then the rows hold exactly what is left', async () => {
    await appendAll(store, MEMBERSHIP);
    const live = await readModel('live');
    await new ReadModelProjector(live, store, { batchSize: 1 }).catchUp();

    const groups = await live.getRepository(ScimGroupRow).find({ order: { id: 'ASC' } });
    expect(groups).toEqual([
      {
        id: 'g1',
        tenantId: TENANT,
        displayName: 'R&D Team',
        displayNameLower: 'r&d team',
        externalId: null,
        createdAt: '2026-12-01T00:03:00.000Z',
        lastModified: '2026-12-01T00:08:00.000Z',
        revision: 3,
      },
    ]);
    // u1 removed, u3 added; u2 deleted for good leaves no row, also when added after.
    expect(await membersOf(live)).toEqual(['g1:u3']);
  }, 60_000);

  it("given the same events, then each member's share of them is a row of its own, with the group's name then, and none of the user deleted for good (rule G2)", async () => {
    await appendAll(store, MEMBERSHIP);
    const live = await readModel('changes');
    await new ReadModelProjector(live, store, { batchSize: 1 }).catchUp();
    const changes = async (userId: string) =>
      (await userMembershipChanges(live, userId, TENANT)).map(
        (c) => `${c.occurredAt.slice(14, 16)} ${c.streamId}#${c.revision} ${c.change} ${c.groupDisplayName} ${c.requestId}`,
      );
    expect(await changes('u1')).toEqual([
      '03 group-g1#0 added Engineering req-3',
      '04 group-g2#0 added Sales req-4',
      '05 group-g1#1 removed Engineering req-5',
      '09 group-g2#1 group_deleted Sales req-9',
    ]);
    // Added before the rename: the name then; u2, deleted for good, has none left, not even of the add after its deletion.
    expect(await changes('u3')).toEqual(['05 group-g1#1 added Engineering req-5']);
    expect(await changes('u2')).toEqual([]);
    expect(await userMembershipChanges(live, 'u1', 'another-tenant')).toEqual([]);
    const [first] = await userMembershipChanges(live, 'u1');
    expect(first).toMatchObject({
      groupId: 'g1',
      eventType: 'GroupCreated',
      actor: { kind: 'scim-token', id: 'tok' },
      userAgent: 'test',
      clientAddress: '10.0.0.1',
    });
  }, 60_000);

  it('given the same events, when projected in batches of every size, then each read model equals the one-batch rebuild', async () => {
    await appendAll(store, MEMBERSHIP);
    const rebuilt = await readModel('rebuilt');
    await rebuildReadModel(rebuilt, store);
    expect(await membersOf(rebuilt)).toEqual(['g1:u3']);
    for (const batchSize of [2, 3, 5]) {
      const live = await readModel(`live_${batchSize}`);
      await new ReadModelProjector(live, store, { batchSize }).catchUp();
      expect({ batchSize, differences: await readModelDifferences(live, rebuilt) }).toEqual({ batchSize, differences: [] });
    }
  }, 60_000);

  it('given an event delivered again, when applied twice, then its delta is applied once', async () => {
    await appendAll(store, MEMBERSHIP.slice(0, 6));
    const live = await readModel('twice');
    const events = await store.readAll({ maxCount: 100 });
    await new ReadModelProjector(live, store).apply(events);
    await live.getRepository(ScimGroupMemberRow).insert({ groupId: 'g1', userId: 'u1', tenantId: TENANT });
    await new ReadModelProjector(live, store).apply(events.slice(5, 6));
    // The redelivered removal of u1 is at or below the row's revision: skipped, so the row put back stays.
    expect(await membersOf(live)).toEqual(['g1:u1', 'g1:u2', 'g1:u3', 'g2:u1']);
  }, 60_000);

  it('given a tenant deleted, with a group created after it, then no group and no membership of it is left', async () => {
    await appendAll(store, TENANT_DELETION);
    const live = await readModel('deleted');
    await new ReadModelProjector(live, store, { batchSize: 1 }).catchUp();
    expect(await live.getRepository(ScimGroupRow).count()).toBe(0);
    expect(await live.getRepository(ScimGroupMemberRow).count()).toBe(0);
    expect(await live.getRepository(UserMembershipChangeRow).count()).toBe(0);
    const atOnce = await readModel('deleted_at_once');
    await new ReadModelProjector(atOnce, store).catchUp();
    expect(await readModelDifferences(live, atOnce)).toEqual([]);
  }, 60_000);
});
