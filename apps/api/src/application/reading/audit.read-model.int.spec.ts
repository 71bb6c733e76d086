import { auditAddressDigest, AuditEntryRow } from '@scim-ledger/read-model';
import { AuditReadModel } from './audit.read-model';
import { ScimUsersReadModel } from './scim-users.read-model';
import { OpenedReadModel, READ_MODEL_BACKENDS } from './testing/read-model-backends';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 9, minute)).toISOString();

interface Addressed {
  readonly userId?: string | null;
  readonly streamId?: string;
  readonly userName?: string;
  readonly email?: string;
}

function entry(
  revision: number,
  eventType: string,
  minute: number,
  data: Record<string, unknown> = {},
  tenantId = 'tenant-a',
  addressed: Addressed = {},
): AuditEntryRow {
  return Object.assign(new AuditEntryRow(), {
    tenantId,
    userId: addressed.userId === undefined ? 'user-1' : addressed.userId,
    streamId: addressed.streamId ?? `user-${tenantId}`,
    streamRevision: revision,
    globalPosition: String(revision),
    eventId: `00000000-0000-0000-0000-${String(revision).padStart(12, '0')}`,
    eventType,
    occurredAt: at(minute),
    actorKind: 'scim-token',
    actorId: 'token-1',
    requestId: `request-${revision}`,
    userAgent: 'Okta SCIM',
    clientAddress: '192.0.2.1',
    data: JSON.stringify(data),
    ignoredAttributes: null,
    groupId: null,
    addressDigest: addressed.userName ? auditAddressDigest(addressed.userName) : null,
    emailDigest: addressed.email ? auditAddressDigest(addressed.email) : null,
  } satisfies Omit<AuditEntryRow, 'id'>);
}

describe.each(READ_MODEL_BACKENDS)('the audit read model on %s', (_backend, open) => {
  let opened: OpenedReadModel;
  let audit: AuditReadModel;

  beforeAll(async () => {
    opened = await open('scim_ledger_audit_read_model');
    audit = new AuditReadModel(new ScimUsersReadModel(opened.dataSource, { queryTimeoutMs: 5000, sqliteReadWorkers: 0, readModel: opened.config }));
    await opened.dataSource.getRepository(AuditEntryRow).insert([
      entry(0, 'UserCreated', 0, { userName: 'ada@example.com' }),
      entry(1, 'ProvisioningRefused', 10, { reason: 'ProfileFull' }),
      entry(2, 'ScimTokenRotated', 20, { tokenId: 'token-2', tokenHash: 'a'.repeat(64), secretHash: 'b'.repeat(64) }),
      entry(3, 'UserPreserved', 30),
      entry(0, 'UserCreated', 15, {}, 'tenant-b'),
      // Leo's address: refused twice before a user held it (the refusals name no user), then Leo, renamed away
      // from it, and Lea, who took it after him; another tenant refused the same address.
      entry(0, 'ProvisioningRefused', 40, {}, 'tenant-a', { userId: null, streamId: 'refusals-a', userName: 'leo@acme.com' }),
      entry(1, 'ProvisioningRefused', 41, {}, 'tenant-a', { userId: null, streamId: 'refusals-a', userName: 'somebody@acme.com' }),
      entry(0, 'UserCreated', 42, {}, 'tenant-a', { userId: 'leo', streamId: 'user-leo', userName: 'Leo@Acme.com', email: 'leo.private@mail.test' }),
      entry(1, 'UserPreserved', 43, {}, 'tenant-a', { userId: 'leo', streamId: 'user-leo' }),
      entry(2, 'UserEmailChanged', 44, {}, 'tenant-a', { userId: 'leo', streamId: 'user-leo', userName: 'leon@acme.com', email: 'leon@acme.com' }),
      entry(3, 'UserReactivated', 45, {}, 'tenant-a', { userId: 'leo', streamId: 'user-leo' }),
      entry(0, 'UserCreated', 46, {}, 'tenant-a', { userId: 'lea', streamId: 'user-lea', userName: 'leo@acme.com', email: 'leo@acme.com' }),
      entry(2, 'ProvisioningRefused', 47, {}, 'tenant-a', { userId: null, streamId: 'refusals-a', userName: 'leo@acme.com' }),
      entry(0, 'ProvisioningRefused', 48, {}, 'tenant-b', { userId: null, streamId: 'refusals-b', userName: 'leo@acme.com' }),
      entry(0, 'UserCreated', 49, {}, 'tenant-b', { userId: 'leo-b', streamId: 'user-leo-b', userName: 'leo@acme.com' }),
    ]);
  });
  afterAll(() => opened?.close());

  it("given a tenant's entries, when a page of the feed is asked, then its entries oldest first from startIndex, and how many match in all", async () => {
    const page = await audit.feedPage('tenant-a', {}, { startIndex: 2, count: 2 });
    expect(page).toMatchObject({ totalResults: 12, startIndex: 2 });
    expect(page.entries.map((e) => [e.eventType, e.outcome])).toEqual([
      ['ProvisioningRefused', 'refused'],
      ['ScimTokenRotated', 'accepted'],
    ]);
  });

  it('given refused and accepted entries, when narrowed by outcome, then only refused provisioning attempts, or only the rest (rule S2)', async () => {
    const refused = await audit.feedPage('tenant-a', { outcome: 'refused' }, { startIndex: 1, count: 100 });
    expect(refused.entries.map((e) => e.eventType)).toEqual(['ProvisioningRefused', 'ProvisioningRefused', 'ProvisioningRefused', 'ProvisioningRefused']);
    const accepted = await audit.feedPage('tenant-a', { outcome: 'accepted', to: at(40) }, { startIndex: 1, count: 100 });
    expect(accepted.entries.map((e) => e.eventType)).toEqual(['UserCreated', 'ScimTokenRotated', 'UserPreserved']);
  });

  it('given a time range with an offset, when narrowed, then from its start inclusive to its end exclusive, compared as UTC instants', async () => {
    const page = await audit.feedPage('tenant-a', { from: '2026-03-01T10:10:00+01:00', to: '2026-03-01T09:30:00Z' }, { startIndex: 1, count: 100 });
    expect(page.entries.map((e) => e.occurredAt)).toEqual([at(10), at(20)]);
  });

  it("given an event that carries a secret's or a token's hash, when shown, then without the hashes", async () => {
    const [rotated] = (await audit.feedPage('tenant-a', { eventType: 'ScimTokenRotated' }, { startIndex: 1, count: 1 })).entries;
    expect(rotated).toMatchObject({ eventType: 'ScimTokenRotated', actorId: 'token-1', streamRevision: 2, data: { tokenId: 'token-2' } });
    expect(rotated.data).toEqual({ tokenId: 'token-2' });
  });

  it('given at most as many entries as an export holds, when exported, then every one, oldest first; given one more, then none (too many)', async () => {
    const exported = await audit.exportedEntries('tenant-a', { to: at(40) }, 4);
    expect(exported?.map((e) => e.streamRevision)).toEqual([0, 1, 2, 3]);
    expect(await audit.exportedEntries('tenant-a', { to: at(40) }, 3)).toBeNull();
    expect(await audit.exportedEntries('tenant-b', { userId: 'user-1' }, 1)).toHaveLength(1);
  });

  const found = async (tenantId: string, address: string) =>
    (await audit.feedPage(tenantId, { address }, { startIndex: 1, count: 100 })).entries.map((e) => `${e.streamId}@${e.streamRevision}`);

  it("given refusals naming an address and users who held it, when searched by the address in another case, then the refusals and every entry of each user who held or holds it, the tenant's only", async () => {
    expect(await found('tenant-a', 'leo@ACME.com')).toEqual([
      'refusals-a@0',
      'user-leo@0',
      'user-leo@1',
      'user-leo@2',
      'user-leo@3',
      'user-lea@0',
      'refusals-a@2',
    ]);
    expect(await found('tenant-b', 'LEO@acme.com')).toEqual(['refusals-b@0', 'user-leo-b@0']);
  });

  it('given a user whose email is not its userName, when searched by the email, then its entries; given an address nobody used, then none', async () => {
    expect(await found('tenant-a', ' Leo.Private@MAIL.test ')).toEqual(['user-leo@0', 'user-leo@1', 'user-leo@2', 'user-leo@3']);
    expect(await found('tenant-a', 'leon@acme.com')).toEqual(['user-leo@0', 'user-leo@1', 'user-leo@2', 'user-leo@3']);
    expect(await found('tenant-a', 'leo@acme')).toEqual([]);
    expect(await found('tenant-a', 'acme.com')).toEqual([]);
  });

  it('given an address and other narrowings, when exported or paged, then both narrow alike', async () => {
    const refusals = await audit.exportedEntries('tenant-a', { address: 'leo@acme.com', outcome: 'refused' }, 10);
    expect(refusals?.map((e) => `${e.streamId}@${e.streamRevision}`)).toEqual(['refusals-a@0', 'refusals-a@2']);
    const page = await audit.feedPage('tenant-a', { address: 'leo@acme.com', userId: 'leo' }, { startIndex: 2, count: 2 });
    expect(page).toMatchObject({ totalResults: 4, startIndex: 2 });
    expect(page.entries.map((e) => e.streamRevision)).toEqual([1, 2]);
  });
});
