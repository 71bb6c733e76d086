import { ScimGroupMemberRow, ScimGroupRow, ScimUserRow } from '@scim-ledger/read-model';
import { scimUserRow } from '../../../../../libs/read-model/src/testing/scim-user-row';
import { ScimGroupsReadModel } from './scim-groups.read-model';
import { OpenedReadModel, READ_MODEL_BACKENDS } from './testing/read-model-backends';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const user = (id: string, tenantId = 'tenant-a', deletedInIdp = false) =>
  scimUserRow({ id, tenantId, userName: `${id}@example.com`, displayName: `Name of ${id}`, createdAt: at(0), deletedInIdp });
const group = (id: string, displayName: string, second: number, tenantId = 'tenant-a'): ScimGroupRow => ({
  id,
  tenantId,
  displayName,
  displayNameLower: displayName.toLowerCase(),
  externalId: `ext-${id}`,
  createdAt: at(second),
  lastModified: at(second),
  revision: 3,
});

describe.each(READ_MODEL_BACKENDS)('the groups read model on %s (rule G1)', (_, open) => {
  let opened: OpenedReadModel;
  let groups: ScimGroupsReadModel;
  /** Every statement the read model sent, to see which tables a read touched. */
  const statements: string[] = [];

  beforeAll(async () => {
    opened = await open('scim_groups_read_model');
    const { dataSource } = opened;
    await dataSource.getRepository(ScimUserRow).insert([user('u1'), user('u2'), user('gone', 'tenant-a', true), user('other', 'tenant-b')]);
    await dataSource
      .getRepository(ScimGroupRow)
      .insert([group('g1', 'Engineering', 1), group('g2', 'Sales', 2), group('g3', 'Support', 3), group('gb', 'Engineering', 1, 'tenant-b')]);
    await dataSource.getRepository(ScimGroupMemberRow).insert([
      { groupId: 'g1', userId: 'u1', tenantId: 'tenant-a' },
      { groupId: 'g1', userId: 'u2', tenantId: 'tenant-a' },
      { groupId: 'g2', userId: 'u1', tenantId: 'tenant-a' },
    ]);
    const query = dataSource.query.bind(dataSource);
    dataSource.query = ((sql: string, parameters?: unknown[]) => {
      statements.push(sql);
      return query(sql, parameters);
    }) as typeof dataSource.query;
    groups = new ScimGroupsReadModel(dataSource);
  }, 60_000);
  afterAll(async () => {
    await opened?.close();
  });
  beforeEach(() => statements.splice(0));

  it('given a group, when read without members (excludedAttributes=members), then no statement reads a membership row', async () => {
    expect(await groups.find('tenant-a', 'g1', false)).toMatchObject({ id: 'g1', displayName: 'Engineering', members: null, revision: 3 });
    expect(statements.join('\n')).not.toContain('scim_group_members');
  });

  it('given a group, when read with members, then each with its user display name, in one more statement', async () => {
    expect((await groups.find('tenant-a', 'g1', true))?.members).toEqual([
      { value: 'u1', display: 'Name of u1' },
      { value: 'u2', display: 'Name of u2' },
    ]);
    expect(statements.filter((sql) => sql.includes('scim_group_members'))).toHaveLength(1);
  });

  it("given another tenant's group id, when read, then none", async () => {
    expect(await groups.find('tenant-a', 'gb', true)).toBeNull();
  });

  it('given ids, when checked as members, then only visible users of the tenant are known (not deleted in the IdP, not of another tenant)', async () => {
    expect([...(await groups.knownUserIds('tenant-a', ['u1', 'gone', 'other', 'nobody']))]).toEqual(['u1']);
  });

  it('given users in groups, when their groups are read, then each user its groups by name', async () => {
    const of = await groups.groupsOfUsers('tenant-a', ['u1', 'u2', 'other']);
    expect(Object.fromEntries(of)).toEqual({
      u1: [
        { value: 'g1', display: 'Engineering' },
        { value: 'g2', display: 'Sales' },
      ],
      u2: [{ value: 'g1', display: 'Engineering' }],
    });
  });

  it.each([
    ['displayName eq "engineering"', ['g1']],
    ['displayName sw "S"', ['g2', 'g3']],
    ['displayName ew "ES"', ['g2']],
    ['displayName co "port"', ['g3']],
    ['externalId eq "ext-g2"', ['g2']],
    ['members eq "u1"', ['g1', 'g2']],
    ['members[value eq "u2"]', ['g1']],
    ['not (members pr)', ['g3']],
    ['id eq "g1" and members eq "u2"', ['g1']],
    ['members eq "u2" or displayName eq "Support"', ['g1', 'g3']],
    [`meta.created gt "${at(1)}"`, ['g2', 'g3']],
  ])('given the filter %s, when a page is read, then those groups of the tenant, in creation order', async (filter, ids) => {
    const page = await groups.page('tenant-a', { filter, startIndex: 1, count: 10, withMembers: false });
    expect({ total: page.totalResults, ids: page.groups.map((g) => g.id) }).toEqual({ total: ids.length, ids });
  });

  it('given startIndex and count, when a page is read without members, then that slice, the total of all, and no membership row read', async () => {
    const page = await groups.page('tenant-a', { startIndex: 2, count: 1, withMembers: false });
    expect({ total: page.totalResults, ids: page.groups.map((g) => g.id) }).toEqual({ total: 3, ids: ['g2'] });
    expect(statements.join('\n')).not.toContain('scim_group_members');
  });
});
