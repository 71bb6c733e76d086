import { ProfileCreated, TenantEvent } from '../tenant/tenant.events';
import { tenantStream } from '../tenant/tenant.stream';
import { TenantState } from '../tenant/tenant.state';
import { deciderSpec } from './decider-spec';

/**
 * A tenant's history for its deciders' tests: one tenant t1 with SCIM on, two
 * storages, two profiles and two mappings to give, and the given() of its stream.
 */
export const DAY = 86_400_000;
export const NOW = '2025-03-01T09:00:00.000Z';
/** NOW + 365 days: no 29 February in between. */
export const EXPIRES = '2026-03-01T09:00:00.000Z';
export const HASH_A = 'a'.repeat(64);
export const HASH_B = 'b'.repeat(64);
export const HASH_C = 'c'.repeat(64);
export const before = (iso: string, ms: number) => new Date(Date.parse(iso) - ms).toISOString();

export const created: TenantEvent = { type: 'TenantCreated', data: { tenantId: 't1', name: 'Acme', userManagement: 'manual' } };
export const scimOn: TenantEvent = { type: 'UserManagementSwitchedToScim', data: { from: 'manual' } };
export const tokenGenerated: TenantEvent = {
  type: 'ScimTokenGenerated',
  data: {
    tokenId: 'tok1',
    tokenHash: HASH_A,
    createdAt: NOW,
    expiresAt: EXPIRES,
    apiCredentialsEntry: { kind: 'scim', tokenId: 'tok1', createdAt: NOW, expiresAt: EXPIRES },
  },
};
export const reminded = (daysBefore: 30 | 7 | 1, tokenId = 'tok1'): TenantEvent => ({
  type: 'ScimTokenExpiryReminderDue',
  data: { tokenId, daysBefore, expiresAt: EXPIRES, dueAt: before(EXPIRES, daysBefore * DAY) },
});
export const adminIssued: TenantEvent = {
  type: 'ApiCredentialIssued',
  data: { credentialId: 'c1', clientId: 'client-1', secretHash: HASH_C, name: 'Backup reports', issuedAt: NOW, reason: null },
};
export const euAdded: TenantEvent = { type: 'StorageAdded', data: { storageId: 's-eu', name: 'Frankfurt', region: 'eu-central-1', health: 'healthy' } };
export const usAdded: TenantEvent = { type: 'StorageAdded', data: { storageId: 's-us', name: 'Virginia', region: 'us-east-1', health: 'healthy' } };
/** Profile "Staff" may use only the EU storage; "Global" may use both. */
export const staffCreated: ProfileCreated = {
  type: 'ProfileCreated',
  data: { profileId: 'p-staff', name: 'Staff', maxUsers: 100, autoDeletePreservedAfterDays: 90, storageIds: ['s-eu'] },
};
export const globalCreated: ProfileCreated = {
  type: 'ProfileCreated',
  data: { profileId: 'p-global', name: 'Global', maxUsers: 0, autoDeletePreservedAfterDays: null, storageIds: ['s-eu', 's-us'] },
};
export const setUp: TenantEvent[] = [created, scimOn, euAdded, usAdded, staffCreated, globalCreated];
export const salesAdded: TenantEvent = {
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
export const parisAdded: TenantEvent = {
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
export const { given } = deciderSpec(tenantStream);
export const active = (state: TenantState) => {
  if (state.status !== 'Active') throw new Error('expected an active tenant');
  return state;
};
