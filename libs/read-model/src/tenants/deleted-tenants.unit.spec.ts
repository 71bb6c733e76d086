import { RecordedEvent } from '@scim-ledger/event-store';
import { keepsAuditEntry, tenantsDeletedBy } from './deleted-tenants';

const event = (streamId: string, type: string, tenantId: string | undefined, occurredAt = '2026-12-01T00:00:00.000Z'): RecordedEvent => ({
  id: `${streamId}-${type}`,
  streamId,
  revision: 0,
  position: { commit: 1n, prepare: 1n },
  type,
  data: {},
  metadata: { tenantId, occurredAt },
});

describe('what a deleted tenant keeps in the audit trail', () => {
  const deleted = new Set(['doomed']);

  it('given an event of a deleted tenant in any stream, when it is not part of the deletion, then it keeps no entry', () => {
    for (const [stream, type] of [
      ['provisioning-refusals-doomed', 'ProvisioningRefused'],
      ['user-u1', 'UserCreated'],
      ['email-abc', 'EmailReleased'],
      ['profile-seats-doomed/all', 'ProfileSeatReleased'],
      ['tenant-doomed', 'ScimTokenUsed'],
    ]) {
      expect({ type, kept: keepsAuditEntry(event(stream, type, 'doomed'), deleted) }).toEqual({ type, kept: false });
    }
  });

  it('given the deletion itself and its users deleted for good, then they keep their entries (ids, no names)', () => {
    expect(keepsAuditEntry(event('tenant-doomed', 'TenantDeleted', 'doomed'), deleted)).toBe(true);
    expect(keepsAuditEntry(event('user-u1', 'UserDeletedPermanently', 'doomed'), deleted)).toBe(true);
  });

  it("given another tenant's event or one recorded for no tenant, then it keeps its entry", () => {
    expect(keepsAuditEntry(event('provisioning-refusals-alive', 'ProvisioningRefused', 'alive'), deleted)).toBe(true);
    expect(keepsAuditEntry(event('personal-data-key-x', 'Something', undefined), deleted)).toBe(true);
  });

  it('given a batch, when it holds TenantDeleted events, then those tenants are deleted, with when', () => {
    const batch = [
      event('tenant-a', 'TenantRenamed', 'a'),
      event('tenant-b', 'TenantDeleted', 'b', '2026-12-01T10:00:00.000Z'),
      event('user-u1', 'TenantDeleted', 'c'),
    ];
    expect(tenantsDeletedBy(batch)).toEqual([{ tenantId: 'b', deletedAt: '2026-12-01T10:00:00.000Z' }]);
  });
});
