import { provisioningRefusalsStreamId, userStreamId } from '@scim-ledger/domain';
import type { RecordedEvent } from '@scim-ledger/event-store';
import { userCreated } from '../../../domain/src/testing/user-created';
import { auditAddressDigest } from './audit-address';
import { auditEntryFor } from './audit-entry.projection';

const metadata = { tenantId: 'acme', occurredAt: '2026-12-01T00:00:00.000Z', actor: { kind: 'scim-token', id: 't' }, requestId: 'r', schemaVersion: 1 };

function recorded(streamId: string, type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}): RecordedEvent {
  return {
    id: '00000000-0000-0000-0000-000000000001',
    streamId,
    revision: 0,
    position: { commit: 1n, prepare: 1n },
    type,
    data,
    metadata: { ...metadata, ...extra },
  };
}

const created = (userName: string, email: string) => userCreated('u-leo', userName, { tenantId: 'acme', email, displayName: 'Leo' }).data;

const digestsOf = (event: RecordedEvent) => {
  const entry = auditEntryFor(event);
  return entry && { addressDigest: entry.addressDigest, emailDigest: entry.emailDigest };
};

describe('the audit entry of an event, by the addresses it names (issue 18, item 6)', () => {
  it('given a refused create naming an address, then the digest of its key, whatever its case and spaces', () => {
    const refused = recorded(provisioningRefusalsStreamId('acme'), 'ProvisioningRefused', {
      operation: 'create',
      userName: ' Leo@ACME.com',
      userId: null,
      reason: 'NoMappingMatched',
      status: 400,
      scimType: 'invalidValue',
      detail: 'None of the SCIM Mapping matched to create user.',
    });
    expect(digestsOf(refused)).toEqual({ addressDigest: auditAddressDigest('leo@acme.com'), emailDigest: null });
    expect(auditAddressDigest(' Leo@ACME.com')).toBe(auditAddressDigest('leo@acme.com'));
  });

  it('given a refusal naming no address (an expired token), then no digest', () => {
    const refused = recorded(provisioningRefusalsStreamId('acme'), 'ProvisioningRefused', {
      operation: 'authenticate',
      userName: null,
      userId: null,
      reason: 'TokenExpired',
      status: 401,
      scimType: null,
      detail: 'expired',
    });
    expect(digestsOf(refused)).toEqual({ addressDigest: null, emailDigest: null });
  });

  it('given a stored refusal whose userName is not a string, then no digest, and the entry is still made', () => {
    const odd = recorded(provisioningRefusalsStreamId('acme'), 'ProvisioningRefused', {
      operation: 'create',
      userName: 42,
      userId: null,
      reason: 'http400',
      status: 400,
    });
    expect(digestsOf(odd)).toEqual({ addressDigest: null, emailDigest: null });
  });

  it("given a user's creation and address change, then the digests of the userName and the email; given an event naming neither, then none", () => {
    expect(digestsOf(recorded(userStreamId('u-leo'), 'UserCreated', created('leo@acme.com', 'Leo.Private@mail.test')))).toEqual({
      addressDigest: auditAddressDigest('leo@acme.com'),
      emailDigest: auditAddressDigest('leo.private@mail.test'),
    });
    expect(digestsOf(recorded(userStreamId('u-leo'), 'UserEmailChanged', { userName: 'leon@acme.com', email: '' }))).toEqual({
      addressDigest: auditAddressDigest('leon@acme.com'),
      emailDigest: null,
    });
    expect(digestsOf(recorded(userStreamId('u-leo'), 'UserPreserved', { by: 'idp' }))).toEqual({ addressDigest: null, emailDigest: null });
  });

  it("given an event read after its key was forgotten (placeholders), then no digest: a placeholder is nobody's address", () => {
    const shredded = recorded(userStreamId('u-leo'), 'UserCreated', created('(shredded)', '(shredded)'), { personalData: 'shredded' });
    expect(digestsOf(shredded)).toEqual({ addressDigest: null, emailDigest: null });
  });
});
