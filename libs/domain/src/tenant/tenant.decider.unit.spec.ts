import {
  decide,
  dueReminders,
  evolve,
  firstMatchingMapping,
  foldTenant,
  initialTenantState,
  scimTokenStatus,
  TenantCommand,
  TenantState,
} from './tenant.decider';
import { isTenantEvent, TENANT_EVENT_SCHEMA_VERSIONS, TenantEvent } from './tenant.events';
import { tenantStream, tenantStreamId } from './tenant.stream';
import { deciderSpec } from '../testing/decider-spec';

const DAY = 86_400_000;
const NOW = '2025-03-01T09:00:00.000Z';
/** NOW + 365 days: no 29 February in between. */
const EXPIRES = '2026-03-01T09:00:00.000Z';
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const HASH_C = 'c'.repeat(64);
const before = (iso: string, ms: number) => new Date(Date.parse(iso) - ms).toISOString();

const created: TenantEvent = { type: 'TenantCreated', data: { tenantId: 't1', name: 'Acme', userManagement: 'manual' } };
const scimOn: TenantEvent = { type: 'UserManagementSwitchedToScim', data: { from: 'manual' } };
const tokenGenerated: TenantEvent = {
  type: 'ScimTokenGenerated',
  data: {
    tokenId: 'tok1',
    tokenHash: HASH_A,
    createdAt: NOW,
    expiresAt: EXPIRES,
    apiCredentialsEntry: { kind: 'scim', tokenId: 'tok1', createdAt: NOW, expiresAt: EXPIRES },
  },
};
const reminded = (daysBefore: 30 | 7 | 1, tokenId = 'tok1'): TenantEvent => ({
  type: 'ScimTokenExpiryReminderDue',
  data: { tokenId, daysBefore, expiresAt: EXPIRES, dueAt: before(EXPIRES, daysBefore * DAY) },
});
const adminIssued: TenantEvent = {
  type: 'ApiCredentialIssued',
  data: { credentialId: 'c1', clientId: 'client-1', secretHash: HASH_C, name: 'Backup reports', issuedAt: NOW },
};
const euAdded: TenantEvent = { type: 'StorageAdded', data: { storageId: 's-eu', name: 'Frankfurt', region: 'eu-central-1', health: 'healthy' } };
const usAdded: TenantEvent = { type: 'StorageAdded', data: { storageId: 's-us', name: 'Virginia', region: 'us-east-1', health: 'healthy' } };
/** Profile "Staff" may use only the EU storage; "Global" may use both. */
const staffCreated: TenantEvent = {
  type: 'ProfileCreated',
  data: { profileId: 'p-staff', name: 'Staff', maxUsers: 100, autoDeletePreservedAfterDays: 90, storageIds: ['s-eu'] },
};
const globalCreated: TenantEvent = {
  type: 'ProfileCreated',
  data: { profileId: 'p-global', name: 'Global', maxUsers: 0, autoDeletePreservedAfterDays: null, storageIds: ['s-eu', 's-us'] },
};
const setUp: TenantEvent[] = [created, scimOn, euAdded, usAdded, staffCreated, globalCreated];
const salesAdded: TenantEvent = {
  type: 'ScimMappingAdded',
  data: {
    mappingId: 'm-sales',
    name: 'Sales',
    filter: { attribute: 'department', values: ['Sales', 'Marketing'] },
    profileId: 'p-staff',
    storageId: 's-eu',
    quota: { amount: 50, unit: 'GB' },
    sendActivationEmail: true,
  },
};
const parisAdded: TenantEvent = {
  type: 'ScimMappingAdded',
  data: {
    mappingId: 'm-paris',
    name: 'Paris office',
    filter: { attribute: 'city', values: ['Paris'] },
    profileId: 'p-global',
    storageId: 's-us',
    quota: { amount: 0, unit: 'GB' },
    sendActivationEmail: false,
  },
};

/** given past events, when a command, then new events (or a refusal). */
const { given } = deciderSpec(tenantStream);
const active = (state: TenantState) => {
  if (state.status !== 'Active') throw new Error('expected an active tenant');
  return state;
};

describe('Tenant decider', () => {
  describe('tenant', () => {
    it('given no tenant, when created, then TenantCreated with manual user management (rule T6 decision)', () => {
      given()
        .when({ type: 'CreateTenant', data: { tenantId: 't1', name: ' Acme ' } })
        .then([created]);
    });

    it('given a tenant, when created again, then refused', () => {
      given(created).when({ type: 'CreateTenant', data: { tenantId: 't1', name: 'Acme' } }).thenRefused('TenantAlreadyExists');
    });

    it('given no tenant, when created without a name, then refused', () => {
      given().when({ type: 'CreateTenant', data: { tenantId: 't1', name: '  ' } }).thenRefused('InvalidTenant');
    });

    it('given a tenant, when its name changes, then TenantRenamed', () => {
      given(created)
        .when({ type: 'ChangeTenantSettings', data: { name: 'Acme Corp' } })
        .then([{ type: 'TenantRenamed', data: { name: 'Acme Corp' } }]);
    });

    it('given a tenant, when the same name is sent, then nothing happens', () => {
      given(created).when({ type: 'ChangeTenantSettings', data: { name: 'Acme ' } }).then([]);
    });

    it('given no tenant, when any other command arrives, then not found', () => {
      given().when({ type: 'ChangeTenantSettings', data: { name: 'Acme' } }).thenRefused('TenantNotFound');
    });

    it('given a tenant, when deleted, then TenantDeleted; when deleted again, then nothing happens', () => {
      given(created, scimOn, tokenGenerated).when({ type: 'DeleteTenant', data: {} }).then([{ type: 'TenantDeleted', data: {} }]);
      given(created, { type: 'TenantDeleted', data: {} }).when({ type: 'DeleteTenant', data: {} }).then([]);
    });

    it('given no tenant, when deleted, then not found', () => {
      given().when({ type: 'DeleteTenant', data: {} }).thenRefused('TenantNotFound');
    });

    it('given a deleted tenant, then it answers as unknown: no token, no mapping, every command not found, and its id cannot be taken again', () => {
      const deleted = foldTenant([created, scimOn, tokenGenerated, { type: 'TenantDeleted', data: {} }]);
      expect(deleted).toEqual({ status: 'Deleted', tenantId: 't1' });
      expect(scimTokenStatus(deleted, NOW)).toBe('none');
      expect(firstMatchingMapping(deleted, { userName: 'a@b.c' })).toBeNull();
      given(created, { type: 'TenantDeleted', data: {} }).when({ type: 'ChangeTenantSettings', data: { name: 'Acme' } }).thenRefused('TenantNotFound');
      given(created, { type: 'TenantDeleted', data: {} }).when({ type: 'CreateTenant', data: { tenantId: 't1', name: 'Acme' } }).thenRefused('TenantAlreadyExists');
    });

    it('names the stream after the tenant', () => {
      expect(tenantStreamId('t1')).toBe('tenant-t1');
    });
  });

  describe('user-management method (rule T6)', () => {
    const noAdLdap = { adLdapConfigured: false, adLdapMappings: 0, adLdapManagedUsers: 0 };

    it('given a manual tenant without AD/LDAP, when switched to SCIM, then UserManagementSwitchedToScim', () => {
      given(created).when({ type: 'SwitchToScim', data: noAdLdap }).then([scimOn]);
    });

    it.each([
      ['an AD/LDAP configuration', { ...noAdLdap, adLdapConfigured: true }],
      ['an AD/LDAP mapping', { ...noAdLdap, adLdapMappings: 1 }],
      ['an AD/LDAP-managed user', { ...noAdLdap, adLdapManagedUsers: 1 }],
    ])('given %s exists, when switched to SCIM, then refused', (_, facts) => {
      given(created).when({ type: 'SwitchToScim', data: facts }).thenRefused('ScimNotAllowed');
    });

    it('given facts that are not counts, when switched to SCIM, then refused', () => {
      given(created).when({ type: 'SwitchToScim', data: { ...noAdLdap, adLdapManagedUsers: -1 } }).thenRefused('InvalidFacts');
    });

    it('given an AD/LDAP tenant whose AD/LDAP is all gone, when switched to SCIM, then it switches from ad_ldap', () => {
      given(created, { type: 'UserManagementSwitchedToAdLdap', data: { from: 'manual' } })
        .when({ type: 'SwitchToScim', data: noAdLdap })
        .then([{ type: 'UserManagementSwitchedToScim', data: { from: 'ad_ldap' } }]);
    });

    it('given a SCIM tenant, when switched to SCIM again, then nothing happens', () => {
      given(created, scimOn).when({ type: 'SwitchToScim', data: { ...noAdLdap, adLdapConfigured: true } }).then([]);
    });

    it('given a manual tenant, when switched to AD/LDAP, then UserManagementSwitchedToAdLdap', () => {
      given(created).when({ type: 'SwitchToAdLdap' }).then([{ type: 'UserManagementSwitchedToAdLdap', data: { from: 'manual' } }]);
    });

    it('given a SCIM tenant, when switched to AD/LDAP directly, then refused: leaving SCIM must say what happens to mappings', () => {
      given(created, scimOn).when({ type: 'SwitchToAdLdap' }).thenRefused('ScimInUse');
    });

    it('given a SCIM tenant with a token and mappings, when switched away keeping mappings, then users move to manual and the token is revoked', () => {
      given(...setUp, tokenGenerated, salesAdded, parisAdded)
        .when({ type: 'SwitchAwayFromScim', data: { to: 'manual', deleteScimMappings: false } })
        .then([
          {
            type: 'UserManagementSwitchedFromScim',
            data: { to: 'manual', usersMovedTo: 'manual', deleteScimMappings: false, revokedScimTokenId: 'tok1' },
          },
        ]);
    });

    it('given a SCIM tenant with mappings, when switched away deleting mappings, then each mapping is removed, in order', () => {
      given(...setUp, salesAdded, parisAdded)
        .when({ type: 'SwitchAwayFromScim', data: { to: 'ad_ldap', deleteScimMappings: true } })
        .then([
          {
            type: 'UserManagementSwitchedFromScim',
            data: { to: 'ad_ldap', usersMovedTo: 'manual', deleteScimMappings: true, revokedScimTokenId: null },
          },
          { type: 'ScimMappingRemoved', data: { mappingId: 'm-sales' } },
          { type: 'ScimMappingRemoved', data: { mappingId: 'm-paris' } },
        ]);
    });

    it('given a tenant switched away from SCIM, then no token, no SCIM credentials entry, and kept mappings still there', () => {
      const state = active(
        given(...setUp, tokenGenerated, adminIssued, salesAdded)
          .when({ type: 'SwitchAwayFromScim', data: { to: 'manual', deleteScimMappings: false } })
          .thenState(),
      );
      expect(state.userManagement).toBe('manual');
      expect(scimTokenStatus(state, NOW)).toBe('none');
      expect(state.apiCredentials.map((entry) => entry.kind)).toEqual(['admin']);
      expect(state.scimMappings.map((m) => m.mappingId)).toEqual(['m-sales']);
    });

    it('given a manual tenant, when switched away from SCIM to manual again, then nothing happens', () => {
      given(created).when({ type: 'SwitchAwayFromScim', data: { to: 'manual', deleteScimMappings: true } }).then([]);
    });

    it('given a manual tenant, when switched away from SCIM to AD/LDAP, then refused: it does not use SCIM', () => {
      given(created).when({ type: 'SwitchAwayFromScim', data: { to: 'ad_ldap', deleteScimMappings: false } }).thenRefused('ScimNotEnabled');
    });
  });

  describe('SCIM token (rules T2–T4)', () => {
    const generate = (tokenId: string, tokenHash: string, now = NOW): TenantCommand => ({ type: 'GenerateScimToken', data: { tokenId, tokenHash, now } });

    it('given a SCIM tenant without a token, when a token is generated, then ScimTokenGenerated with its credentials entry (rule T4)', () => {
      given(created, scimOn).when(generate('tok1', HASH_A)).then([tokenGenerated]);
    });

    it('given a token generated now, then it expires exactly 365 days later (rule T2)', () => {
      const [event] = decide(generate('tok1', HASH_A), foldTenant([created, scimOn]));
      if (event.type !== 'ScimTokenGenerated') throw new Error(event.type);
      expect(Date.parse(event.data.expiresAt) - Date.parse(event.data.createdAt)).toBe(365 * DAY);
    });

    it('given a leap year, when a token is generated, then 365 days, not one calendar year', () => {
      const [event] = decide(generate('tok1', HASH_A, '2024-01-15T00:00:00Z'), foldTenant([created, scimOn]));
      expect(event.data).toMatchObject({ createdAt: '2024-01-15T00:00:00.000Z', expiresAt: '2025-01-14T00:00:00.000Z' });
    });

    it('given a clock with an offset, when a token is generated, then its dates are in UTC (rule T2)', () => {
      const [event] = decide(generate('tok1', HASH_A, '2025-03-01T10:00:00+01:00'), foldTenant([created, scimOn]));
      expect(event.data).toMatchObject({ createdAt: NOW, expiresAt: EXPIRES });
    });

    it('given a current token, when another is generated, then ScimTokenRotated naming the previous one', () => {
      const later = '2025-06-01T00:00:00.000Z';
      const laterExpiry = '2026-06-01T00:00:00.000Z';
      given(created, scimOn, tokenGenerated)
        .when(generate('tok2', HASH_B, later))
        .then([
          {
            type: 'ScimTokenRotated',
            data: {
              tokenId: 'tok2',
              tokenHash: HASH_B,
              createdAt: later,
              expiresAt: laterExpiry,
              previousTokenId: 'tok1',
              apiCredentialsEntry: { kind: 'scim', tokenId: 'tok2', createdAt: later, expiresAt: laterExpiry },
            },
          },
        ]);
    });

    it('given a rotation, then the previous hash is gone from state at once (rule T2)', () => {
      const state = active(given(created, scimOn, tokenGenerated).when(generate('tok2', HASH_B)).thenState());
      expect(state.scimToken).toMatchObject({ tokenId: 'tok2', tokenHash: HASH_B });
      expect(JSON.stringify(state)).not.toContain(HASH_A);
    });

    it('given a rotation, then the one SCIM entry of the credentials list is updated in place (rule T4)', () => {
      const state = active(given(created, scimOn, tokenGenerated, adminIssued).when(generate('tok2', HASH_B)).thenState());
      expect(state.apiCredentials).toEqual([
        { kind: 'scim', tokenId: 'tok2', createdAt: NOW, expiresAt: EXPIRES },
        { kind: 'admin', ...adminIssued.data, revokedAt: null },
      ]);
    });

    it('given the same generate command again, then nothing happens', () => {
      given(created, scimOn, tokenGenerated).when(generate('tok1', HASH_A)).then([]);
    });

    it.each([
      ['id', 'tok1', HASH_B],
      ['hash', 'tok2', HASH_A],
    ])('given a current token, when a new one reuses its %s, then refused', (_, tokenId, tokenHash) => {
      given(created, scimOn, tokenGenerated).when(generate(tokenId, tokenHash, '2025-04-01T00:00:00Z')).thenRefused('ScimTokenReused');
    });

    it.each([['the clear token'], ['A'.repeat(64)], ['a'.repeat(63)]])('given a tokenHash of %s, when generated, then refused', (tokenHash) => {
      given(created, scimOn).when(generate('tok1', tokenHash)).thenRefused('InvalidScimToken');
    });

    it.each([['2025-02-30T00:00:00Z'], ['March 1, 2025'], ['2025-03-01T09:00:00']])('given now = %s, when generated, then refused', (now) => {
      given(created, scimOn).when(generate('tok1', HASH_A, now)).thenRefused('InvalidTime');
    });

    it('given a tenant not using SCIM, when a token is generated, then refused', () => {
      given(created).when(generate('tok1', HASH_A)).thenRefused('ScimNotEnabled');
    });

    it('given a tenant switched away from SCIM and back, when a token is generated, then the entry is created again', () => {
      const away: TenantEvent = {
        type: 'UserManagementSwitchedFromScim',
        data: { to: 'manual', usersMovedTo: 'manual', deleteScimMappings: false, revokedScimTokenId: 'tok1' },
      };
      const [event] = decide(generate('tok2', HASH_B), foldTenant([created, scimOn, tokenGenerated, away, scimOn]));
      expect(event.type).toBe('ScimTokenGenerated');
    });

    describe('status (rule T3)', () => {
      it('given no token, then none', () => {
        expect(scimTokenStatus(foldTenant([created, scimOn]), NOW)).toBe('none');
        expect(scimTokenStatus(initialTenantState, NOW)).toBe('none');
      });

      it('given a token, then valid until the instant it expires, expired from then on', () => {
        const state = foldTenant([created, scimOn, tokenGenerated]);
        expect(scimTokenStatus(state, before(EXPIRES, 1))).toBe('valid');
        expect(scimTokenStatus(state, EXPIRES)).toBe('expired');
      });

      it('given an expired token rotated, then valid again', () => {
        const state = given(created, scimOn, tokenGenerated).when(generate('tok2', HASH_B, EXPIRES)).thenState();
        expect(scimTokenStatus(state, EXPIRES)).toBe('valid');
      });
    });

    describe('use', () => {
      const use = (now: string, tokenId = 'tok1'): TenantCommand => ({ type: 'RecordScimTokenUse', data: { tokenId, now } });
      const usedFirst: TenantEvent = { type: 'ScimTokenUsed', data: { tokenId: 'tok1', usedAt: '2025-03-02T08:00:00.000Z' } };

      it('given a token never used, when used, then ScimTokenUsed and lastUsedAt', () => {
        const when = given(created, scimOn, tokenGenerated).when(use('2025-03-02T08:00:00Z'));
        when.then([usedFirst]);
        expect(active(when.thenState()).scimToken?.lastUsedAt).toBe('2025-03-02T08:00:00.000Z');
      });

      it('given a use today, when used again the same UTC day, then nothing (no per-request noise)', () => {
        given(created, scimOn, tokenGenerated, usedFirst).when(use('2025-03-02T23:59:59Z')).then([]);
      });

      it('given a use yesterday, when used today, then recorded', () => {
        given(created, scimOn, tokenGenerated, usedFirst)
          .when(use('2025-03-03T00:00:00Z'))
          .then([{ type: 'ScimTokenUsed', data: { tokenId: 'tok1', usedAt: '2025-03-03T00:00:00.000Z' } }]);
      });

      it('given a rotated-out or expired token, when used, then nothing', () => {
        given(created, scimOn, tokenGenerated).when(use('2025-03-02T08:00:00Z', 'tok0')).then([]);
        given(created, scimOn, tokenGenerated).when(use(EXPIRES)).then([]);
      });
    });

    describe('expiry reminders (rule T3)', () => {
      const remind = (daysBefore: 30 | 7 | 1, now: string, tokenId = 'tok1'): TenantCommand => ({
        type: 'RecordScimTokenExpiryReminder',
        data: { tokenId, daysBefore, now },
      });
      const withToken = [created, scimOn, tokenGenerated];

      it('given 31 days left, then no reminder is due', () => {
        const now = before(EXPIRES, 31 * DAY);
        expect(dueReminders(foldTenant(withToken), now)).toEqual([]);
        given(...withToken).when(remind(30, now)).then([]);
      });

      it('given exactly 30 days left, then the 30-day reminder is due and recorded', () => {
        const now = before(EXPIRES, 30 * DAY);
        expect(dueReminders(foldTenant(withToken), now)).toEqual([30]);
        given(...withToken).when(remind(30, now)).then([reminded(30)]);
      });

      it('given the 30-day reminder recorded, when 29 days are left, then nothing again', () => {
        const now = before(EXPIRES, 29 * DAY);
        expect(dueReminders(foldTenant([...withToken, reminded(30)]), now)).toEqual([]);
        given(...withToken, reminded(30)).when(remind(30, now)).then([]);
      });

      it('given 29 days left and no reminder yet, then the 30-day one is still due (its window is (7, 30] days)', () => {
        expect(dueReminders(foldTenant(withToken), before(EXPIRES, 29 * DAY))).toEqual([30]);
      });

      it('given 6 days left and the 7-day reminder not recorded, then only the 7-day one is due; the missed 30 is skipped', () => {
        const now = before(EXPIRES, 6 * DAY);
        expect(dueReminders(foldTenant(withToken), now)).toEqual([7]);
        given(...withToken).when(remind(30, now)).then([]);
        given(...withToken)
          .when(remind(7, now))
          .then([{ type: 'ScimTokenExpiryReminderDue', data: { tokenId: 'tok1', daysBefore: 7, expiresAt: EXPIRES, dueAt: now } }]);
      });

      it('given exactly 7 days left, then the 7-day reminder, not the 30-day one', () => {
        expect(dueReminders(foldTenant([...withToken, reminded(30)]), before(EXPIRES, 7 * DAY))).toEqual([7]);
        expect(dueReminders(foldTenant(withToken), before(EXPIRES, 7 * DAY + 1))).toEqual([30]);
      });

      it('given the 7-day reminder recorded, when 1 day is left, then the 1-day reminder', () => {
        const now = before(EXPIRES, DAY);
        expect(dueReminders(foldTenant([...withToken, reminded(30), reminded(7)]), now)).toEqual([1]);
        given(...withToken, reminded(30), reminded(7)).when(remind(1, now)).then([reminded(1)]);
      });

      it('given the token expired, then no reminder', () => {
        expect(dueReminders(foldTenant(withToken), EXPIRES)).toEqual([]);
        given(...withToken).when(remind(1, EXPIRES)).then([]);
      });

      it('given the token was rotated, when a reminder for the old token is recorded, then nothing', () => {
        given(...withToken).when(remind(30, before(EXPIRES, 30 * DAY), 'tok0')).then([]);
      });

      it('given a rotation, then the new token starts with no reminder recorded', () => {
        const state = active(
          given(...withToken, reminded(30))
            .when({ type: 'GenerateScimToken', data: { tokenId: 'tok2', tokenHash: HASH_B, now: before(EXPIRES, 29 * DAY) } })
            .thenState(),
        );
        expect(state.scimToken?.remindersRecorded).toEqual([]);
      });

      it('given no token, then no reminder', () => {
        expect(dueReminders(foldTenant([created, scimOn]), NOW)).toEqual([]);
      });
    });
  });

  describe('API credentials (rule T4: not the SCIM token)', () => {
    const issue = (over: Partial<{ credentialId: string; clientId: string; secretHash: string; name: string; now: string }> = {}): TenantCommand => ({
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

    it('given a credential, when the same issue arrives again, then nothing happens', () => {
      given(created, adminIssued).when(issue()).then([]);
    });

    it('given a credential, when another is issued with its id, then refused', () => {
      given(created, adminIssued).when(issue({ clientId: 'client-2' })).thenRefused('ApiCredentialAlreadyExists');
    });

    it('given a revoked credential, when another reuses its client id, then refused', () => {
      given(created, adminIssued, revoked).when(issue({ credentialId: 'c2' })).thenRefused('ClientIdTaken');
    });

    it.each([
      ['a clear secret', { secretHash: 's3cret' }],
      ['a client id with spaces', { clientId: 'client 1' }],
      ['no name', { name: ' ' }],
    ])('given %s, when issued, then refused', (_, over) => {
      given(created).when(issue(over)).thenRefused('InvalidApiCredential');
    });

    it('given a credential, when revoked, then ApiCredentialRevoked', () => {
      given(created, adminIssued).when({ type: 'RevokeApiCredential', data: { credentialId: 'c1', now: '2025-04-01T00:00:00Z' } }).then([revoked]);
    });

    it('given a revoked credential, when revoked again, then nothing happens', () => {
      given(created, adminIssued, revoked).when({ type: 'RevokeApiCredential', data: { credentialId: 'c1', now: NOW } }).then([]);
    });

    it('given a SCIM token, when its id is revoked as an API credential, then refused: it is not one (rule T4)', () => {
      given(created, scimOn, tokenGenerated).when({ type: 'RevokeApiCredential', data: { credentialId: 'tok1', now: NOW } }).thenRefused('UnknownApiCredential');
    });
  });

  describe('storages (rule M6)', () => {
    it('given a tenant, when a storage is added, then StorageAdded, healthy', () => {
      given(created)
        .when({ type: 'AddStorage', data: { storageId: 's-eu', name: 'Frankfurt', region: 'eu-central-1' } })
        .then([euAdded]);
    });

    it('given a storage, when added again the same, then nothing; differently, then refused', () => {
      given(created, euAdded).when({ type: 'AddStorage', data: { storageId: 's-eu', name: 'Frankfurt', region: 'eu-central-1' } }).then([]);
      given(created, euAdded)
        .when({ type: 'AddStorage', data: { storageId: 's-eu', name: 'Paris', region: 'eu-west-3' } })
        .thenRefused('StorageAlreadyExists');
    });

    it('given a healthy storage, when set unhealthy, then StorageHealthChanged', () => {
      given(created, euAdded)
        .when({ type: 'SetStorageHealth', data: { storageId: 's-eu', health: 'unhealthy' } })
        .then([{ type: 'StorageHealthChanged', data: { storageId: 's-eu', health: 'unhealthy' } }]);
    });

    it('given a healthy storage, when set healthy, then nothing happens', () => {
      given(created, euAdded).when({ type: 'SetStorageHealth', data: { storageId: 's-eu', health: 'healthy' } }).then([]);
    });

    it('given a storage without a name or region, when added, then refused', () => {
      given(created).when({ type: 'AddStorage', data: { storageId: 's-eu', name: ' ', region: 'eu-central-1' } }).thenRefused('InvalidStorage');
      given(created).when({ type: 'AddStorage', data: { storageId: 's-eu', name: 'Frankfurt', region: '' } }).thenRefused('InvalidStorage');
    });

    it('given a health the API did not validate, when set, then refused', () => {
      given(created, euAdded)
        .when({ type: 'SetStorageHealth', data: { storageId: 's-eu', health: 'degraded' as 'unhealthy' } })
        .thenRefused('InvalidStorage');
    });

    it('given no such storage, when its health is set, then refused', () => {
      given(created).when({ type: 'SetStorageHealth', data: { storageId: 's-eu', health: 'unhealthy' } }).thenRefused('UnknownStorage');
    });
  });

  describe('profiles (rule M5)', () => {
    const spec = { profileId: 'p-global', name: 'Global', maxUsers: 0, autoDeletePreservedAfterDays: null, storageIds: ['s-us', 's-eu', 's-us'] };

    it('given storages, when a profile is created, then ProfileCreated with its storages as a sorted set', () => {
      given(created, euAdded, usAdded).when({ type: 'CreateProfile', data: spec }).then([globalCreated]);
    });

    it('given no such storage, when a profile names it, then refused', () => {
      given(created, euAdded).when({ type: 'CreateProfile', data: spec }).thenRefused('UnknownStorage');
    });

    it.each([
      ['maxUsers below 0', { maxUsers: -1 }],
      ['a fractional maxUsers', { maxUsers: 1.5 }],
      ['a negative auto-delete period', { autoDeletePreservedAfterDays: -1 }],
      ['no storage', { storageIds: [] }],
      ['no name', { name: '' }],
    ])('given %s, when a profile is created, then refused', (_, over) => {
      given(created, euAdded, usAdded).when({ type: 'CreateProfile', data: { ...spec, ...over } }).thenRefused('InvalidProfile');
    });

    it('given a profile, when created again differently, then refused', () => {
      given(created, euAdded, usAdded, globalCreated).when({ type: 'CreateProfile', data: { ...spec, maxUsers: 5 } }).thenRefused('ProfileAlreadyExists');
    });

    it('given a profile, when updated, then ProfileChanged with the whole configuration', () => {
      given(created, euAdded, usAdded, globalCreated)
        .when({ type: 'UpdateProfile', data: { ...spec, maxUsers: 250, autoDeletePreservedAfterDays: 30 } })
        .then([{ type: 'ProfileChanged', data: { ...globalCreated.data, maxUsers: 250, autoDeletePreservedAfterDays: 30 } }]);
    });

    it('given a profile, when updated with the same storages in another order, then nothing happens', () => {
      given(created, euAdded, usAdded, globalCreated).when({ type: 'UpdateProfile', data: { ...spec, storageIds: ['s-eu', 's-us'] } }).then([]);
    });

    it('given a mapping placing the profile on a storage, when the profile drops that storage, then refused (rule M7)', () => {
      given(...setUp, parisAdded).when({ type: 'UpdateProfile', data: { ...spec, storageIds: ['s-eu'] } }).thenRefused('StorageNotAllowedForProfile');
    });

    it('given no such profile, when updated, then refused', () => {
      given(created, euAdded, usAdded).when({ type: 'UpdateProfile', data: spec }).thenRefused('UnknownProfile');
    });
  });

  describe('SCIM mappings (rules M1–M3, M7)', () => {
    const add = (over: Partial<Extract<TenantCommand, { type: 'AddScimMapping' }>['data']> = {}): TenantCommand => ({
      type: 'AddScimMapping',
      data: {
        mappingId: 'm-sales',
        name: 'Sales',
        attribute: 'department',
        valuesText: 'Sales, Marketing',
        profileId: 'p-staff',
        storageId: 's-eu',
        quota: { amount: 50, unit: 'GB' },
        ...over,
      },
    });
    const change = (over: Partial<Extract<TenantCommand, { type: 'ChangeScimMapping' }>['data']> = {}): TenantCommand => ({
      type: 'ChangeScimMapping',
      data: { mappingId: 'm-sales', name: 'Sales', profileId: 'p-staff', storageId: 's-eu', quota: { amount: 50, unit: 'GB' }, sendActivationEmail: true, ...over },
    });

    describe('adding', () => {
      it('given a profile and storage, when a mapping is added, then ScimMappingAdded with parsed values and the activation email on by default (rules M1, M2)', () => {
        given(...setUp).when(add()).then([salesAdded]);
      });

      it('given values containing commas, when added with semicolons, then the values keep their commas (rule M2)', () => {
        const [event] = decide(add({ attribute: 'office', valuesText: 'Paris, FR; Lyon, FR' }), foldTenant(setUp));
        expect(event.type === 'ScimMappingAdded' && event.data.filter).toEqual({ attribute: 'office', values: ['Paris, FR', 'Lyon, FR'] });
      });

      it('given mappings, when one more is added, then it goes to the bottom (rule M3)', () => {
        const state = active(given(...setUp, parisAdded).when(add()).thenState());
        expect(state.scimMappings.map((m) => m.mappingId)).toEqual(['m-paris', 'm-sales']);
      });

      it.each([
        ['no value', { valuesText: ' , ' }],
        ['no attribute', { attribute: ' ' }],
        ['no name', { name: '' }],
        ['a quota above 1023', { quota: { amount: 1024, unit: 'GB' as const } }],
        ['a negative quota', { quota: { amount: -1, unit: 'GB' as const } }],
        ['a fractional quota', { quota: { amount: 1.5, unit: 'TB' as const } }],
        ['an unknown unit', { quota: { amount: 1, unit: 'PB' as 'TB' } }],
      ])('given %s, when added, then refused', (_, over) => {
        given(...setUp).when(add(over)).thenRefused('InvalidMapping');
      });

      it('given quotas at the bounds, when added, then 0 (unlimited) and 1023 are accepted', () => {
        expect(decide(add({ quota: { amount: 0, unit: 'MB' } }), foldTenant(setUp))).toHaveLength(1);
        expect(decide(add({ quota: { amount: 1023, unit: 'TB' } }), foldTenant(setUp))).toHaveLength(1);
      });

      it('given no such profile, when added, then refused', () => {
        given(...setUp).when(add({ profileId: 'p-none' })).thenRefused('UnknownProfile');
      });

      it('given no such storage, when added, then refused', () => {
        given(...setUp).when(add({ storageId: 's-none' })).thenRefused('UnknownStorage');
      });

      it('given a storage the profile may not use, when added, then refused (rule M7)', () => {
        given(...setUp).when(add({ storageId: 's-us' })).thenRefused('StorageNotAllowedForProfile');
      });

      it('given a mapping, when the same add arrives again, then nothing; a different one with its id, then refused', () => {
        given(...setUp, salesAdded).when(add({ valuesText: 'Marketing,Sales' })).then([]);
        given(...setUp, salesAdded).when(add({ valuesText: 'Sales' })).thenRefused('MappingAlreadyExists');
      });

      it('given a removed mapping, when its id is used again, then refused', () => {
        given(...setUp, salesAdded, { type: 'ScimMappingRemoved', data: { mappingId: 'm-sales' } }).when(add()).thenRefused('MappingAlreadyExists');
      });
    });

    describe('changing', () => {
      it('given a mapping, when its configuration changes, then ScimMappingChanged with the whole configuration (rule M3)', () => {
        given(...setUp, salesAdded)
          .when(change({ name: 'Sales & Marketing', profileId: 'p-global', storageId: 's-us', quota: { amount: 1, unit: 'TB' }, sendActivationEmail: false }))
          .then([
            {
              type: 'ScimMappingChanged',
              data: {
                mappingId: 'm-sales',
                name: 'Sales & Marketing',
                profileId: 'p-global',
                storageId: 's-us',
                quota: { amount: 1, unit: 'TB' },
                sendActivationEmail: false,
              },
            },
          ]);
      });

      it('given a change, then the filter in state is kept', () => {
        const state = active(given(...setUp, salesAdded).when(change({ name: 'Renamed' })).thenState());
        expect(state.scimMappings[0]).toMatchObject({ name: 'Renamed', filter: { attribute: 'department', values: ['Sales', 'Marketing'] } });
      });

      it('given a mapping, when the same configuration and filter are sent, then nothing happens', () => {
        given(...setUp, salesAdded).when(change({ attribute: 'department', valuesText: 'Marketing, Sales' })).then([]);
      });

      it.each([
        ['its attribute', { attribute: 'Department' }],
        ['its values', { valuesText: 'Sales' }],
        ['the case of a value', { valuesText: 'sales, Marketing' }],
      ])('given a mapping, when a change touches %s, then refused: the filter is immutable (rule M3)', (_, over) => {
        given(...setUp, salesAdded).when(change({ name: 'Renamed', ...over })).thenRefused('MappingFilterImmutable');
      });

      it('given a mapping, when moved to a storage its profile may not use, then refused (rule M7)', () => {
        given(...setUp, salesAdded).when(change({ storageId: 's-us' })).thenRefused('StorageNotAllowedForProfile');
      });

      it('given an activation-email flag that is not a boolean, when changed, then refused', () => {
        given(...setUp, salesAdded).when(change({ sendActivationEmail: 'no' as unknown as boolean })).thenRefused('InvalidMapping');
      });

      it('given no such mapping, when changed, then refused', () => {
        given(...setUp).when(change()).thenRefused('UnknownMapping');
      });
    });

    describe('ordering and removal (rule M3)', () => {
      const reorder = (...orderedIds: string[]): TenantCommand => ({ type: 'ReorderScimMappings', data: { orderedIds } });
      const removed: TenantEvent = { type: 'ScimMappingRemoved', data: { mappingId: 'm-sales' } };

      it('given two mappings, when reordered, then ScimMappingsReordered', () => {
        given(...setUp, salesAdded, parisAdded)
          .when(reorder('m-paris', 'm-sales'))
          .then([{ type: 'ScimMappingsReordered', data: { orderedIds: ['m-paris', 'm-sales'] } }]);
      });

      it('given two mappings, when the current order is sent, then nothing happens', () => {
        given(...setUp, salesAdded, parisAdded).when(reorder('m-sales', 'm-paris')).then([]);
      });

      it.each([
        ['one missing', ['m-paris']],
        ['one twice', ['m-paris', 'm-paris']],
        ['an unknown id', ['m-paris', 'm-sales', 'm-other']],
        ['an unknown id instead of a known one', ['m-paris', 'm-other']],
      ])('given two mappings, when the order has %s, then refused', (_, ids) => {
        given(...setUp, salesAdded, parisAdded).when(reorder(...ids)).thenRefused('InvalidOrder');
      });

      it('given a mapping, when removed, then ScimMappingRemoved (its users stay where they are)', () => {
        given(...setUp, salesAdded).when({ type: 'RemoveScimMapping', data: { mappingId: 'm-sales' } }).then([removed]);
      });

      it('given a removed mapping, when removed again, then nothing happens', () => {
        given(...setUp, salesAdded, removed).when({ type: 'RemoveScimMapping', data: { mappingId: 'm-sales' } }).then([]);
      });

      it('given no such mapping, when removed, then refused', () => {
        given(...setUp).when({ type: 'RemoveScimMapping', data: { mappingId: 'm-sales' } }).thenRefused('UnknownMapping');
      });
    });

    describe('firstMatchingMapping (rules M2, M3)', () => {
      const user = { department: 'Sales', city: 'Paris' };

      it('given two mappings a user matches, then the first in order wins', () => {
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded, parisAdded]), user)?.mappingId).toBe('m-sales');
      });

      it('given the mappings reordered, then the other one wins', () => {
        const reordered: TenantEvent = { type: 'ScimMappingsReordered', data: { orderedIds: ['m-paris', 'm-sales'] } };
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded, parisAdded, reordered]), user)?.mappingId).toBe('m-paris');
      });

      it('given the first mapping removed, then the next one matches', () => {
        const removed: TenantEvent = { type: 'ScimMappingRemoved', data: { mappingId: 'm-sales' } };
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded, parisAdded, removed]), user)?.mappingId).toBe('m-paris');
      });

      it('given values in another case, then no match (case-sensitive)', () => {
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded]), { department: 'SALES' })).toBeNull();
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded]), { Department: 'Sales' })).toBeNull();
      });

      it('given any one of the values, then a match', () => {
        expect(firstMatchingMapping(foldTenant([...setUp, salesAdded]), { department: 'Marketing' })?.mappingId).toBe('m-sales');
      });

      it('given no tenant, then no match', () => {
        expect(firstMatchingMapping(initialTenantState, user)).toBeNull();
      });
    });
  });

  describe('events and evolve', () => {
    const history: TenantEvent[] = [
      ...setUp,
      tokenGenerated,
      adminIssued,
      salesAdded,
      parisAdded,
      reminded(30),
      { type: 'ScimMappingsReordered', data: { orderedIds: ['m-paris', 'm-sales'] } },
      { type: 'StorageHealthChanged', data: { storageId: 's-us', health: 'unhealthy' } },
      { type: 'TenantRenamed', data: { name: 'Acme Corp' } },
    ];

    it('given a history, when folded, then the state holds every part', () => {
      const state = active(foldTenant(history));
      expect(state).toMatchObject({ name: 'Acme Corp', userManagement: 'scim', removedScimMappingIds: [] });
      expect(state.scimToken).toEqual({
        tokenId: 'tok1',
        tokenHash: HASH_A,
        createdAt: NOW,
        expiresAt: EXPIRES,
        lastUsedAt: null,
        remindersRecorded: [30],
      });
      expect(state.storages.map((s) => [s.storageId, s.health])).toEqual([
        ['s-eu', 'healthy'],
        ['s-us', 'unhealthy'],
      ]);
      expect(state.profiles.map((p) => p.profileId)).toEqual(['p-staff', 'p-global']);
      expect(state.scimMappings.map((m) => m.mappingId)).toEqual(['m-paris', 'm-sales']);
      expect(state.apiCredentials.map((entry) => entry.kind)).toEqual(['scim', 'admin']);
    });

    it('given the initial state, when a non-creating event arrives, then it stays initial', () => {
      expect(evolve(initialTenantState, tokenGenerated)).toEqual(initialTenantState);
    });

    it('every event survives JSON unchanged (no Date, no bigint)', () => {
      expect(JSON.parse(JSON.stringify(history))).toEqual(history);
    });

    it('every event type has schema version 1 and is recognised', () => {
      expect(Object.values(TENANT_EVENT_SCHEMA_VERSIONS).every((version) => version === 1)).toBe(true);
      expect(history.every(isTenantEvent)).toBe(true);
      expect(isTenantEvent({ type: 'UserCreated' })).toBe(false);
    });
  });
});
