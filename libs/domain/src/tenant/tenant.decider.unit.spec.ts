import { evolve, firstMatchingMapping, foldTenant, initialTenantState, scimTokenStatus } from './tenant.decider';
import { isTenantEvent, TENANT_EVENT_SCHEMA_VERSIONS, TenantEvent } from './tenant.events';
import { tenantStreamId } from './tenant.stream';
import {
  active,
  adminIssued,
  created,
  EXPIRES,
  given,
  HASH_A,
  NOW,
  parisAdded,
  reminded,
  salesAdded,
  scimOn,
  setUp,
  tokenGenerated,
} from '../testing/tenant-history';

describe('Tenant decider', () => {
  describe('tenant', () => {
    it('given no tenant, when created, then TenantCreated with manual user management (rule T6 decision)', () => {
      given()
        .when({ type: 'CreateTenant', data: { tenantId: 't1', name: ' Acme ' } })
        .then([created]);
    });

    it('given a tenant, when created again, then refused', () => {
      given(created)
        .when({ type: 'CreateTenant', data: { tenantId: 't1', name: 'Acme' } })
        .thenRefused('TenantAlreadyExists');
    });

    it('given no tenant, when created without a name, then refused', () => {
      given()
        .when({ type: 'CreateTenant', data: { tenantId: 't1', name: '  ' } })
        .thenRefused('InvalidTenant');
    });

    it('given a tenant, when its name changes, then TenantRenamed', () => {
      given(created)
        .when({ type: 'ChangeTenantSettings', data: { name: 'Acme Corp' } })
        .then([{ type: 'TenantRenamed', data: { name: 'Acme Corp' } }]);
    });

    it('given a tenant, when the same name is sent, then nothing happens', () => {
      given(created)
        .when({ type: 'ChangeTenantSettings', data: { name: 'Acme ' } })
        .then([]);
    });

    it('given no tenant, when any other command arrives, then not found', () => {
      given()
        .when({ type: 'ChangeTenantSettings', data: { name: 'Acme' } })
        .thenRefused('TenantNotFound');
    });

    it('given a tenant, when deleted, then TenantDeleted; when deleted again, then nothing happens', () => {
      given(created, scimOn, tokenGenerated)
        .when({ type: 'DeleteTenant', data: {} })
        .then([{ type: 'TenantDeleted', data: {} }]);
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
      given(created, { type: 'TenantDeleted', data: {} })
        .when({ type: 'ChangeTenantSettings', data: { name: 'Acme' } })
        .thenRefused('TenantNotFound');
      given(created, { type: 'TenantDeleted', data: {} })
        .when({ type: 'CreateTenant', data: { tenantId: 't1', name: 'Acme' } })
        .thenRefused('TenantAlreadyExists');
    });

    it('names the stream after the tenant', () => {
      expect(tenantStreamId('t1')).toBe('tenant-t1');
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
        reminderDeliveries: [{ daysBefore: 30, attempt: 1, status: 'sending', nextAttemptAt: null }],
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

    it('every event type has a schema version, only ApiCredentialIssued past 1 (it gained its reason), and is recognised', () => {
      const pastOne = Object.entries(TENANT_EVENT_SCHEMA_VERSIONS).filter(([, version]) => version !== 1);
      expect(pastOne).toEqual([['ApiCredentialIssued', 2]]);
      expect(history.every(isTenantEvent)).toBe(true);
      expect(isTenantEvent({ type: 'UserCreated' })).toBe(false);
    });
  });
});
