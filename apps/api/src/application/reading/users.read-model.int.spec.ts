import { ScimUserRow } from '@scim-ledger/read-model';
import { scimUserRow } from '../../../../../libs/read-model/src/testing/scim-user-row';
import { OpenedReadModel, READ_MODEL_BACKENDS } from './testing/read-model-backends';
import { UsersReadModel } from './users.read-model';

const CUT_OFF = '2026-06-01T00:00:00.000Z';
const justAfter = (iso: string) => new Date(Date.parse(iso) + 1).toISOString();
const daysBefore = (iso: string, days: number) => new Date(Date.parse(iso) - days * 86_400_000).toISOString();

/** A user as the projection writes it, placed by a mapping; `changes` says what a test is about. */
function user(id: string, changes: Partial<ScimUserRow> = {}): ScimUserRow {
  return scimUserRow({
    id,
    tenantId: 'tenant-a',
    userName: `${id}@example.com`,
    displayName: id,
    createdAt: '2026-01-01T00:00:00.000Z',
    mappingId: 'mapping-1',
    profileId: 'profile-1',
    storageId: 'storage-1',
    quotaAmount: 10,
    quotaUnit: 'GB',
    sendActivationEmail: true,
    revision: 3,
    ...changes,
  });
}

const preserved = (id: string, preservedAt: string, changes: Partial<ScimUserRow> = {}) =>
  user(id, { status: 'Preserved', active: false, preservedBy: 'idp', preservedAt, ...changes });

describe.each(READ_MODEL_BACKENDS)('the users read model on %s', (_backend, open) => {
  let opened: OpenedReadModel;
  let users: UsersReadModel;

  beforeAll(async () => {
    opened = await open('scim_ledger_users_read_model');
    users = new UsersReadModel(opened.dataSource);
    await opened.dataSource
      .getRepository(ScimUserRow)
      .insert([
        user('a-active-1'),
        user('a-active-2', { deletedInIdp: true }),
        user('a-active-held', { legalHold: true }),
        preserved('a-due-at-cut-off', CUT_OFF, { revision: 7 }),
        preserved('a-due-long-ago', daysBefore(CUT_OFF, 40)),
        preserved('a-due-deleted-in-idp', daysBefore(CUT_OFF, 1), { deletedInIdp: true }),
        preserved('a-preserved-after-cut-off', justAfter(CUT_OFF)),
        preserved('a-preserved-held', daysBefore(CUT_OFF, 90), { legalHold: true }),
        preserved('a-preserved-other-profile', daysBefore(CUT_OFF, 90), { profileId: 'profile-2' }),
        user('b-active', { tenantId: 'tenant-b' }),
        preserved('b-preserved-same-profile-id', daysBefore(CUT_OFF, 90), { tenantId: 'tenant-b' }),
      ]);
  });
  afterAll(() => opened?.close());

  it("given a tenant's users, when counted by status, then its active and preserved users, the IdP-deleted ones included, no other tenant's", async () => {
    expect(await users.usersByStatus('tenant-a')).toEqual({ active: 3, preserved: 6 });
    expect(await users.usersByStatus('tenant-b')).toEqual({ active: 1, preserved: 1 });
  });

  it('given a tenant without users, when counted by status, then none of either', async () => {
    expect(await users.usersByStatus('tenant-none')).toEqual({ active: 0, preserved: 0 });
  });

  it("given a profile's preserved users, when those preserved by the cut-off are asked, then each of that profile and tenant preserved at or before it, on hold or not (the rule decides), longest preserved first (rule L10)", async () => {
    const found = await users.usersPreservedAtOrBefore({ tenantId: 'tenant-a', profileId: 'profile-1' }, CUT_OFF, null, 500);
    expect(found.map((row) => row.id)).toEqual(['a-preserved-held', 'a-due-long-ago', 'a-due-deleted-in-idp', 'a-due-at-cut-off']);
    // Each deletion appends at the revision the read model showed.
    expect(found.find((row) => row.id === 'a-due-at-cut-off')).toMatchObject({ tenantId: 'tenant-a', revision: 7 });
  });

  it('given more users than a page holds, when paged after the last one seen, then the next ones, no more than asked, none twice', async () => {
    const profile = { tenantId: 'tenant-a', profileId: 'profile-1' };
    const first = await users.usersPreservedAtOrBefore(profile, CUT_OFF, null, 2);
    const last = first[first.length - 1];
    const next = await users.usersPreservedAtOrBefore(profile, CUT_OFF, { preservedAt: last.preservedAt!, id: last.id }, 2);
    expect([first.map((row) => row.id), next.map((row) => row.id)]).toEqual([
      ['a-preserved-held', 'a-due-long-ago'],
      ['a-due-deleted-in-idp', 'a-due-at-cut-off'],
    ]);
  });

  it('given users on legal hold, active or preserved, when counted, then each of the tenant, no other', async () => {
    expect(await users.usersOnLegalHold('tenant-a')).toBe(2);
    expect(await users.usersOnLegalHold('tenant-b')).toBe(0);
  });

  it("given a tenant's users, when its first ids are asked, then by id, no more than asked, IdP-deleted ones included", async () => {
    expect(await users.firstUserIds('tenant-a', 3)).toEqual(['a-active-1', 'a-active-2', 'a-active-held']);
    expect(await users.firstUserIds('tenant-b', 1000)).toEqual(['b-active', 'b-preserved-same-profile-id']);
    expect(await users.firstUserIds('tenant-none', 1000)).toEqual([]);
  });

  it("given a user the IdP deleted, when read by id, then found (rule L4); given another tenant's user, then none", async () => {
    expect(await users.user('tenant-a', 'a-active-2')).toMatchObject({ id: 'a-active-2', deletedInIdp: true, legalHold: false });
    expect(await users.user('tenant-b', 'a-active-1')).toBeNull();
  });
});
