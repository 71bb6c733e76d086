import { tenantStream } from './tenant.stream';
import { TenantCommand } from './tenant.decider';
import { TenantEvent } from './tenant.events';
import { active, adminIssued, created, given, HASH_A, HASH_C, NOW, scimOn, tokenGenerated } from '../testing/tenant-history';

describe('Tenant decider', () => {
  describe('API credentials (rule T4: not the SCIM token)', () => {
    const issue = (
      over: Partial<{ credentialId: string; clientId: string; secretHash: string; name: string; now: string; reason: string }> = {},
    ): TenantCommand => ({
      type: 'IssueApiCredential',
      data: { credentialId: 'c1', clientId: 'client-1', secretHash: HASH_C, name: ' Backup reports ', now: NOW, ...over },
    });
    const revoked: TenantEvent = { type: 'ApiCredentialRevoked', data: { credentialId: 'c1', revokedAt: '2025-04-01T00:00:00.000Z' } };

    it('given a tenant, when a credential is issued, then ApiCredentialIssued with the secret hash only', () => {
      given(created).when(issue()).then([adminIssued]);
    });

    it('given a SCIM token, when a credential is issued, then it is listed next to the SCIM entry, not merged with it', () => {
      const state = active(given(created, scimOn, tokenGenerated).when(issue()).thenState());
      expect(state.apiCredentials.map((entry) => entry.kind)).toEqual(['scim', 'admin']);
      expect(state.scimToken?.tokenHash).toBe(HASH_A);
    });

    it("given a tenant, when the operator issues a recovery credential saying why, then the event keeps the reason for the tenant's audit trail", () => {
      given(created)
        .when(issue({ credentialId: 'c9', clientId: 'client-9', name: 'recovery', reason: '  ticket 4711: the admin lost the secret ' }))
        .then([
          {
            type: 'ApiCredentialIssued',
            data: {
              credentialId: 'c9',
              clientId: 'client-9',
              secretHash: HASH_C,
              name: 'recovery',
              issuedAt: NOW,
              reason: 'ticket 4711: the admin lost the secret',
            },
          },
        ]);
    });

    it.each([
      ['a line break', 'ticket 1\nforged: approved by the CISO'],
      ['an escape sequence', 'ticket 1 \u001b[2J'],
      ['a right-to-left override', 'ticket \u202e1 ssecca'],
    ])('given a tenant, when a credential is issued with %s in its reason, then refused: the audit trail shows it as written', (_, reason) => {
      given(created).when(issue({ reason })).thenRefused('InvalidApiCredential');
    });

    it('given a tenant, when a credential is issued with a blank reason, then refused: a recovery says why', () => {
      given(created)
        .when(issue({ reason: '   ' }))
        .thenRefused('InvalidApiCredential');
    });

    it('given a credential, when the same issue arrives again, then nothing happens', () => {
      given(created, adminIssued).when(issue()).then([]);
    });

    // Two credentials at once, pinned where `npm run test:mutation` found them open.
    const second: TenantEvent = {
      type: 'ApiCredentialIssued',
      data: { credentialId: 'c2', clientId: 'client-2', secretHash: HASH_C, name: 'Monitoring', issuedAt: NOW, reason: null },
    };

    it('given a credential, when a second is issued with its own id and client id, then it is issued', () => {
      given(created, adminIssued)
        .when(issue({ credentialId: 'c2', clientId: 'client-2', name: 'Monitoring' }))
        .then([second]);
    });

    it('given two credentials, when the second is revoked, then only it is revoked, the first still works', () => {
      const revokeSecond: TenantCommand = { type: 'RevokeApiCredential', data: { credentialId: 'c2', now: '2025-04-01T00:00:00.000Z' } };
      given(created, adminIssued, second)
        .when(revokeSecond)
        .then([{ type: 'ApiCredentialRevoked', data: { credentialId: 'c2', revokedAt: '2025-04-01T00:00:00.000Z' } }]);
      const state = active(given(created, adminIssued, second).when(revokeSecond).thenState());
      expect(state.apiCredentials.map((entry) => (entry.kind === 'admin' ? [entry.credentialId, entry.revokedAt] : entry.kind))).toEqual([
        ['c1', null],
        ['c2', '2025-04-01T00:00:00.000Z'],
      ]);
    });

    it('given a credential, when issued again with its id under another name, then refused: not the same credential', () => {
      given(created, adminIssued)
        .when(issue({ name: 'Something else' }))
        .thenRefused('ApiCredentialAlreadyExists');
    });

    it('given a credential, when another is issued with its id, then refused', () => {
      given(created, adminIssued)
        .when(issue({ clientId: 'client-2' }))
        .thenRefused('ApiCredentialAlreadyExists');
    });

    it('given a revoked credential, when another reuses its client id, then refused', () => {
      given(created, adminIssued, revoked)
        .when(issue({ credentialId: 'c2' }))
        .thenRefused('ClientIdTaken');
    });

    it.each([
      ['a clear secret', { secretHash: 's3cret' }],
      ['a client id with spaces', { clientId: 'client 1' }],
      ['no name', { name: ' ' }],
    ])('given %s, when issued, then refused', (_, over) => {
      given(created).when(issue(over)).thenRefused('InvalidApiCredential');
    });

    it('given a credential, when revoked, then ApiCredentialRevoked', () => {
      given(created, adminIssued)
        .when({ type: 'RevokeApiCredential', data: { credentialId: 'c1', now: '2025-04-01T00:00:00Z' } })
        .then([revoked]);
    });

    it('given a revoked credential, when revoked again, then nothing happens', () => {
      given(created, adminIssued, revoked)
        .when({ type: 'RevokeApiCredential', data: { credentialId: 'c1', now: NOW } })
        .then([]);
    });

    it('given a SCIM token, when its id is revoked as an API credential, then refused: it is not one (rule T4)', () => {
      given(created, scimOn, tokenGenerated)
        .when({ type: 'RevokeApiCredential', data: { credentialId: 'tok1', now: NOW } })
        .thenRefused('UnknownApiCredential');
    });
  });
});

describe('ApiCredentialIssued as stored before it said why (version 1)', () => {
  it('given a version 1 event, when it is read, then it reads as a credential issued without a reason', () => {
    const stored = {
      type: 'ApiCredentialIssued',
      data: { credentialId: 'c1', clientId: 'client-1', secretHash: HASH_C, name: 'Backup reports', issuedAt: NOW },
      metadata: { schemaVersion: 1 },
    };
    expect(tenantStream.events.upcast(stored)).toEqual({ type: 'ApiCredentialIssued', data: { ...stored.data, reason: null } });
  });

  it('given a version 2 event, when it is read, then its reason stays', () => {
    const stored = { type: 'ApiCredentialIssued', data: { ...adminIssued.data, reason: 'ticket 4711' }, metadata: { schemaVersion: 2 } };
    expect(tenantStream.events.upcast(stored)).toEqual({ type: 'ApiCredentialIssued', data: stored.data });
  });
});
