import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  EMAIL_RESERVATION_EVENT_SCHEMA_VERSIONS,
  emailReservationStreamId,
  PROVISIONING_REFUSAL_EVENT_SCHEMA_VERSIONS,
  provisioningRefusalsStreamId,
  TENANT_EVENT_SCHEMA_VERSIONS,
  tenantStreamId,
  USER_EVENT_SCHEMA_VERSIONS,
  userStreamId,
} from '@scim-ledger/domain';
import { SqliteEventStore } from '@scim-ledger/event-store';
import { createFreshPostgresDatabase, FreshPostgresDatabase } from '../../event-store/src/postgres/fresh-postgres-database';
import { everyTableAsText, namesIn } from '../../../test/support/every-table';
import { auditAddressDigest } from './audit/audit-address';
import { AuditEntryRow } from './audit/audit-entry.row';
import { ReadModelProjector, REDACTED_AUDIT_DATA } from './projector';
import { openReadModel, ReadModelDatabase } from './read-model.data-source';
import { ScimUserRow } from './users/scim-user.row';
import { readModelDifferences, rebuildReadModel } from './verification';
import { appendOneAMinute, GivenEvent } from './testing/events-one-a-minute';

const TENANT = 'doomed';
const PEOPLE = /ada@doomed|early@doomed|late@doomed|straggler@doomed|Ada Lovelace/;
const SCHEMA_VERSIONS: Record<string, number> = {
  ...TENANT_EVENT_SCHEMA_VERSIONS,
  ...USER_EVENT_SCHEMA_VERSIONS,
  ...PROVISIONING_REFUSAL_EVENT_SCHEMA_VERSIONS,
  ...EMAIL_RESERVATION_EVENT_SCHEMA_VERSIONS,
};

const userCreated = (userId: string, userName: string) => ({
  type: 'UserCreated',
  data: {
    userId,
    tenantId: TENANT,
    userName,
    email: userName,
    displayName: 'Ada Lovelace',
    givenName: 'Ada',
    familyName: null,
    externalId: `obj-${userName}`,
    userPrincipalName: null,
    provisionedBy: 'idp',
    placement: null,
    idpAttributes: {},
    attributes: {},
  },
});
const refused = (userName: string) => ({
  type: 'ProvisioningRefused',
  data: { operation: 'create', userName, userId: null, reason: 'EmailTaken', status: 409, scimType: 'uniqueness', detail: `${userName} is taken` },
});

/**
 * What a tenant's deletion leaves in the events, in the order it lands: a
 * refusal before it, then TenantDeleted, then what follows it in any stream
 * (a refusal and a create that had read the tenant just before, the users'
 * deletions for good, the address given back). Data in clear, as the
 * projector reads it while the keys are still there.
 */
const DELETION: ReadonlyArray<[streamId: string, event: { type: string; data: object }]> = [
  [tenantStreamId(TENANT), { type: 'TenantCreated', data: { tenantId: TENANT, name: 'Doomed', userManagement: 'manual' } }],
  [userStreamId('u-ada'), userCreated('u-ada', 'ada@doomed.test')],
  [
    emailReservationStreamId('digest-ada'),
    { type: 'EmailReserved', data: { email: 'digest-ada', userId: 'u-ada', tenantId: TENANT, reservedAt: '2026-12-01T00:00:00.000Z', replacedUserId: null } },
  ],
  [provisioningRefusalsStreamId(TENANT), refused('early@doomed.test')],
  [tenantStreamId(TENANT), { type: 'TenantDeleted', data: {} }],
  [provisioningRefusalsStreamId(TENANT), refused('late@doomed.test')],
  [userStreamId('u-straggler'), userCreated('u-straggler', 'straggler@doomed.test')],
  [userStreamId('u-ada'), { type: 'UserDeletedPermanently', data: { reason: 'tenant_deleted' } }],
  [emailReservationStreamId('digest-ada'), { type: 'EmailReleased', data: { email: 'digest-ada', userId: 'u-ada' } }],
  [userStreamId('u-straggler'), { type: 'UserDeletedPermanently', data: { reason: 'tenant_deleted' } }],
];

/** Recorded for the tenant, as the api would by its operator (rule S1). */
const appendAll = (store: SqliteEventStore, events: readonly GivenEvent[]) =>
  appendOneAMinute(store, events, { tenantId: TENANT, actor: { kind: 'operator', id: 'op' }, schemaVersions: SCHEMA_VERSIONS });

/**
 * One event store holding `events` for each test, and read models opened on
 * demand (SQLite files beside it, or fresh PostgreSQL databases), all closed
 * and dropped after the test.
 */
function readModelsOf(kind: 'sqlite' | 'postgres', name: string, events: Parameters<typeof appendAll>[1]) {
  let dir: string;
  let opened: SqliteEventStore;
  const databases: FreshPostgresDatabase[] = [];
  const readModels: DataSource[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), `scim-ledger-${name}-`));
    opened = SqliteEventStore.open({ file: join(dir, 'events.sqlite') });
    await appendAll(opened, events);
  });
  afterEach(async () => {
    await Promise.all(readModels.splice(0).map((ds) => ds.destroy()));
    await opened.close();
    await Promise.all(databases.splice(0).map((db) => db.drop()));
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    /** The test's event store: a getter, since each test opens its own. */
    get store(): SqliteEventStore {
      return opened;
    },
    async readModel(model: string): Promise<DataSource> {
      let database: ReadModelDatabase = { type: 'sqlite', file: join(dir, `${model}.sqlite`) };
      if (kind === 'postgres') {
        const fresh = await createFreshPostgresDatabase(`scim_ledger_${name}_${model}`);
        databases.push(fresh);
        database = { type: 'postgres', url: fresh.url };
      }
      const readModel = await openReadModel(database);
      readModels.push(readModel);
      return readModel;
    },
  };
}

describe.each(['sqlite', 'postgres'] as const)('a deleted tenant in the read model on %s', (kind) => {
  const models = readModelsOf(kind, 'deletion', DELETION);
  const readModel = (name: string) => models.readModel(name);

  it('given the events of a deletion, when projected one event per batch, then verify (one batch) finds 0 differences and no table names anybody', async () => {
    const live = await readModel('live');
    await new ReadModelProjector(live, models.store, { batchSize: 1 }).catchUp();
    const rebuilt = await readModel('rebuilt');
    await rebuildReadModel(rebuilt, models.store);

    expect(await readModelDifferences(live, rebuilt)).toEqual([]);
    for (const model of [live, rebuilt]) {
      expect(namesIn(await everyTableAsText(model), PEOPLE)).toEqual([]);
      expect(await model.getRepository(ScimUserRow).countBy({ tenantId: TENANT })).toBe(0);
      const trail = await model.getRepository(AuditEntryRow).find({ where: { tenantId: TENANT }, order: { id: 'ASC' } });
      expect(trail.map((entry) => entry.eventType)).toEqual(['TenantDeleted', 'UserDeletedPermanently', 'UserDeletedPermanently']);
    }
  }, 60_000);

  it('given the events up to a create that lands after TenantDeleted, when projected at once or one by one, then the users keep their rows by id (the deletion finds them) and no table names anybody', async () => {
    const upToTheLateCreate = (await models.store.readAll({ maxCount: 100 })).slice(
      0,
      DELETION.findIndex(([stream]) => stream === userStreamId('u-straggler')) + 1,
    );
    const atOnce = await readModel('at_once');
    await new ReadModelProjector(atOnce, models.store).apply(upToTheLateCreate);
    const oneByOne = await readModel('one_by_one');
    for (const event of upToTheLateCreate) await new ReadModelProjector(oneByOne, models.store).apply([event]);

    for (const model of [atOnce, oneByOne]) {
      const users = await model.getRepository(ScimUserRow).find({ where: { tenantId: TENANT }, order: { id: 'ASC' } });
      expect(users.map((row) => [row.id, row.userName, row.displayName, row.externalId])).toEqual([
        ['u-ada', '(shredded)', '(shredded)', null],
        ['u-straggler', '(shredded)', '(shredded)', null],
      ]);
      expect(namesIn(await everyTableAsText(model), PEOPLE)).toEqual([]);
    }
    expect(await readModelDifferences(oneByOne, atOnce)).toEqual([]);
  }, 60_000);

  it('given the events of a deletion, when projected in batches of every size, then each read model equals the one-batch rebuild', async () => {
    const rebuilt = await readModel('rebuilt');
    await rebuildReadModel(rebuilt, models.store);
    for (let batchSize = 2; batchSize < DELETION.length; batchSize++) {
      const live = await readModel(`live_${batchSize}`);
      await new ReadModelProjector(live, models.store, { batchSize }).catchUp();
      expect({ batchSize, differences: await readModelDifferences(live, rebuilt) }).toEqual({ batchSize, differences: [] });
    }
  }, 60_000);
});

/**
 * After a user's deletion for good its IdP may still send a PATCH or DELETE:
 * refused (404) and recorded with its id (rule S2), so the refusal belongs to
 * its history, where everything reads redacted.
 */
const USER_DELETION: ReadonlyArray<[streamId: string, event: { type: string; data: object }]> = [
  [provisioningRefusalsStreamId(TENANT), refused('ada@doomed.test')],
  [userStreamId('u-gone'), userCreated('u-gone', 'ada@doomed.test')],
  [userStreamId('u-gone'), { type: 'UserDeletedPermanently', data: { reason: 'deleted_by_admin' } }],
  [
    provisioningRefusalsStreamId(TENANT),
    {
      type: 'ProvisioningRefused',
      data: { operation: 'patch', userName: null, userId: 'u-gone', reason: 'http404', status: 404, scimType: null, detail: 'user u-gone not found' },
    },
  ],
  [userStreamId('u-other'), userCreated('u-other', 'other@doomed.test')],
];

describe.each(['sqlite', 'postgres'] as const)('a user deleted for good in the read model on %s', (kind) => {
  const models = readModelsOf(kind, 'user_deletion', USER_DELETION);
  const readModel = (name: string) => models.readModel(name);

  it('given a refusal naming a user after its deletion for good, when projected in batches of every size, then each read model equals the one-batch rebuild and its whole history reads redacted', async () => {
    const rebuilt = await readModel('rebuilt');
    await rebuildReadModel(rebuilt, models.store);
    for (let batchSize = 1; batchSize < USER_DELETION.length; batchSize++) {
      const live = await readModel(`live_${batchSize}`);
      await new ReadModelProjector(live, models.store, { batchSize }).catchUp();
      expect({ batchSize, differences: await readModelDifferences(live, rebuilt) }).toEqual({ batchSize, differences: [] });
      const history = await live.getRepository(AuditEntryRow).find({ where: { userId: 'u-gone' }, order: { id: 'ASC' } });
      expect(history.map((entry) => [entry.eventType, entry.data])).toEqual([
        ['UserCreated', REDACTED_AUDIT_DATA],
        ['UserDeletedPermanently', REDACTED_AUDIT_DATA],
        ['ProvisioningRefused', REDACTED_AUDIT_DATA],
      ]);
      // Its address is forgotten with its data (issue 18, item 6); the refused create before it is the tenant's
      // record, readable as long as the tenant's key is, and keeps its digest, as the other user keeps theirs.
      expect(history.map((entry) => [entry.addressDigest, entry.emailDigest])).toEqual([
        [null, null],
        [null, null],
        [null, null],
      ]);
      const rest = await live.getRepository(AuditEntryRow).find({ where: { tenantId: TENANT }, order: { id: 'ASC' } });
      expect(rest.filter((entry) => entry.userId !== 'u-gone').map((entry) => [entry.eventType, entry.addressDigest, entry.emailDigest])).toEqual([
        ['ProvisioningRefused', auditAddressDigest('ada@doomed.test'), null],
        ['UserCreated', auditAddressDigest('other@doomed.test'), auditAddressDigest('other@doomed.test')],
      ]);
    }
  }, 60_000);
});
