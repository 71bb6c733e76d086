import { AuditEntryRow } from '@scim-ledger/read-model';
import { AuditReadModel } from './audit.read-model';
import { ScimUsersReadModel } from './scim-users.read-model';
import { OpenedReadModel, READ_MODEL_BACKENDS } from './testing/read-model-backends';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 9, minute)).toISOString();

function entry(revision: number, eventType: string, minute: number, data: Record<string, unknown> = {}, tenantId = 'tenant-a'): AuditEntryRow {
  return Object.assign(new AuditEntryRow(), {
    tenantId,
    userId: 'user-1',
    streamId: `user-${tenantId}`,
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
  } satisfies Omit<AuditEntryRow, 'id'>);
}

describe.each(READ_MODEL_BACKENDS)('the audit read model on %s', (_backend, open) => {
  let opened: OpenedReadModel;
  let audit: AuditReadModel;

  beforeAll(async () => {
    opened = await open('scim_ledger_audit_read_model');
    audit = new AuditReadModel(new ScimUsersReadModel(opened.dataSource, { queryTimeoutMs: 5000, sqliteReadWorkers: 0, readModel: opened.config }));
    await opened.dataSource
      .getRepository(AuditEntryRow)
      .insert([
        entry(0, 'UserCreated', 0, { userName: 'ada@example.com' }),
        entry(1, 'ProvisioningRefused', 10, { reason: 'ProfileFull' }),
        entry(2, 'ScimTokenRotated', 20, { tokenId: 'token-2', tokenHash: 'a'.repeat(64), secretHash: 'b'.repeat(64) }),
        entry(3, 'UserPreserved', 30),
        entry(0, 'UserCreated', 15, {}, 'tenant-b'),
      ]);
  });
  afterAll(() => opened?.close());

  it("given a tenant's entries, when a page of the feed is asked, then its entries oldest first from startIndex, and how many match in all", async () => {
    const page = await audit.feedPage('tenant-a', {}, { startIndex: 2, count: 2 });
    expect(page).toMatchObject({ totalResults: 4, startIndex: 2 });
    expect(page.entries.map((e) => [e.eventType, e.outcome])).toEqual([
      ['ProvisioningRefused', 'refused'],
      ['ScimTokenRotated', 'accepted'],
    ]);
  });

  it('given refused and accepted entries, when narrowed by outcome, then only refused provisioning attempts, or only the rest (rule S2)', async () => {
    const refused = await audit.feedPage('tenant-a', { outcome: 'refused' }, { startIndex: 1, count: 100 });
    expect(refused.entries.map((e) => e.eventType)).toEqual(['ProvisioningRefused']);
    const accepted = await audit.feedPage('tenant-a', { outcome: 'accepted' }, { startIndex: 1, count: 100 });
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
    const exported = await audit.exportedEntries('tenant-a', {}, 4);
    expect(exported?.map((e) => e.streamRevision)).toEqual([0, 1, 2, 3]);
    expect(await audit.exportedEntries('tenant-a', {}, 3)).toBeNull();
    expect(await audit.exportedEntries('tenant-b', { userId: 'user-1' }, 1)).toHaveLength(1);
  });
});
