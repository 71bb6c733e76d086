import { decide as decideTenant, foldTenant } from '../tenant/tenant.decider';
import { TenantEvent } from '../tenant/tenant.events';
import { NO_MAPPING_MATCHED, placeNewUser } from './placement';

/** A SCIM tenant with two storages, a profile on both, and two mappings in order. */
function tenantWith(...extra: TenantEvent[]) {
  let state = foldTenant([]);
  const run = (command: Parameters<typeof decideTenant>[0]) => {
    state = foldTenant(decideTenant(command, state), state);
  };
  run({ type: 'CreateTenant', data: { tenantId: 't1', name: 'Acme' } });
  run({ type: 'SwitchToScim', data: { adLdapConfigured: false, adLdapMappings: 0, adLdapManagedUsers: 0 } });
  run({ type: 'AddStorage', data: { storageId: 'eu', name: 'EU', region: 'eu-west-1' } });
  run({ type: 'AddStorage', data: { storageId: 'us', name: 'US', region: 'us-east-1' } });
  run({ type: 'CreateProfile', data: { profileId: 'staff', name: 'Staff', maxUsers: 10, autoDeletePreservedAfterDays: null, storageIds: ['eu', 'us'] } });
  const mapping = { profileId: 'staff', quota: { amount: 5, unit: 'GB' as const } };
  run({
    type: 'AddScimMapping',
    data: { ...mapping, mappingId: 'eng', name: 'Engineers', attribute: 'department', valuesText: 'Engineering,R&D', storageId: 'eu' },
  });
  run({
    type: 'AddScimMapping',
    data: { ...mapping, mappingId: 'paris', name: 'Paris', attribute: 'city', valuesText: 'Paris, FR;Lyon', storageId: 'us', sendActivationEmail: false },
  });
  return foldTenant(extra, state);
}

describe('placeNewUser (rules M2–M4, M6)', () => {
  it('given two matching mappings, when placing, then the first in order wins with its profile, storage, quota and email flag', () => {
    const placed = placeNewUser(tenantWith(), { department: 'R&D', city: 'Lyon' });
    expect(placed.placement).toEqual({ mappingId: 'eng', profileId: 'staff', storageId: 'eu', quota: { amount: 5, unit: 'GB' }, sendActivationEmail: true });
  });

  it('given reordered mappings, when placing the same user, then the other mapping wins (rule M3)', () => {
    const placed = placeNewUser(tenantWith({ type: 'ScimMappingsReordered', data: { orderedIds: ['paris', 'eng'] } }), { department: 'R&D', city: 'Lyon' });
    expect(placed.placement.mappingId).toBe('paris');
  });

  it('given a value with a comma, when placing, then it matches whole, case-sensitively (rule M2)', () => {
    expect(placeNewUser(tenantWith(), { city: 'Paris, FR' }).placement.mappingId).toBe('paris');
    expect(() => placeNewUser(tenantWith(), { city: 'paris, fr' })).toThrow(NO_MAPPING_MATCHED);
  });

  it("given no matching mapping, when placing, then refused in rule M4's words, then which mappings were tried, in order, on which values sent", () => {
    expect(() => placeNewUser(tenantWith(), { department: 'Sales', title: 'Engineer' })).toThrow(
      expect.objectContaining({
        reason: 'NoMappingMatched',
        message: `${NO_MAPPING_MATCHED} Mappings tried, in order: "Engineers" on department (sent: "Sales"); "Paris" on city (not sent).`,
      }),
    );
  });

  it('given a value sent unquoted, when no mapping matches, then the detail shows it as compared', () => {
    expect(() => placeNewUser(tenantWith(), { department: 42 })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('"Engineers" on department (sent: "42")') }),
    );
  });

  it("given a tenant without mappings, when placing, then refused in rule M4's words, then that there is none to try", () => {
    const tenant = tenantWith({ type: 'ScimMappingRemoved', data: { mappingId: 'eng' } }, { type: 'ScimMappingRemoved', data: { mappingId: 'paris' } });
    expect(() => placeNewUser(tenant, { department: 'Sales' })).toThrow(
      expect.objectContaining({ reason: 'NoMappingMatched', message: `${NO_MAPPING_MATCHED} The tenant has no SCIM mapping.` }),
    );
  });

  it('given many mappings and long values, when none matches, then the detail names the first ten and counts the rest, each value cut', () => {
    const more: TenantEvent[] = Array.from({ length: 12 }, (_, i) => ({
      type: 'ScimMappingAdded',
      data: {
        mappingId: `m${i}`,
        name: `Mapping ${i}`,
        filter: { attribute: 'department', values: ['Nobody'] },
        profileId: 'staff',
        storageId: 'eu',
        quota: { amount: 0, unit: 'GB' },
        sendActivationEmail: true,
      },
    }));
    const refusal = (() => {
      try {
        placeNewUser(tenantWith(...more), { department: 'x'.repeat(500) });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(refusal.startsWith(`${NO_MAPPING_MATCHED} Mappings tried, in order: "Engineers" on department (sent: "${'x'.repeat(64)}…")`)).toBe(true);
    expect(refusal).toContain('"Mapping 7" on department');
    expect(refusal).not.toContain('"Mapping 8"');
    expect(refusal.endsWith('; and 4 more.')).toBe(true);
    expect(refusal.length).toBeLessThan(2000);
  });

  it("given the matching mapping's storage is unhealthy, when placing, then refused as StorageUnhealthy (rule M6)", () => {
    const tenant = tenantWith({ type: 'StorageHealthChanged', data: { storageId: 'eu', health: 'unhealthy' } });
    expect(() => placeNewUser(tenant, { department: 'Engineering' })).toThrow(expect.objectContaining({ name: 'DomainRefused', reason: 'StorageUnhealthy' }));
    expect(placeNewUser(tenant, { city: 'Lyon' }).placement.storageId).toBe('us');
  });

  it('given a catch-all mapping (attribute *), when placing any user, then it matches', () => {
    const tenant = tenantWith({
      type: 'ScimMappingAdded',
      data: {
        mappingId: 'all',
        filter: { attribute: '*', values: ['*'] },
        name: 'All',
        profileId: 'staff',
        storageId: 'eu',
        quota: { amount: 0, unit: 'GB' },
        sendActivationEmail: true,
      },
    });
    expect(placeNewUser(tenant, {}).placement.mappingId).toBe('all');
  });

  it('given a tenant that left SCIM, when placing, then refused as ScimNotEnabled', () => {
    const tenant = tenantWith({
      type: 'UserManagementSwitchedFromScim',
      data: { to: 'manual', usersMovedTo: 'manual', deleteScimMappings: false, revokedScimTokenId: null },
    });
    expect(() => placeNewUser(tenant, { department: 'Engineering' })).toThrow(expect.objectContaining({ name: 'DomainRefused', reason: 'ScimNotEnabled' }));
  });

  // Pinned where `npm run test:mutation` found them open.
  it('given a deleted tenant, when placing, then refused as ScimNotEnabled (rule T6)', () => {
    expect(() => placeNewUser(tenantWith({ type: 'TenantDeleted', data: {} }), { department: 'R&D' })).toThrow(
      expect.objectContaining({ reason: 'ScimNotEnabled' }),
    );
  });

  it('given a mapping to the second of two profiles, when placing, then the user gets that profile, not the first (rule M2)', () => {
    const tenant = tenantWith(
      { type: 'ProfileCreated', data: { profileId: 'contractors', name: 'Contractors', maxUsers: 3, autoDeletePreservedAfterDays: 7, storageIds: ['eu'] } },
      {
        type: 'ScimMappingAdded',
        data: {
          mappingId: 'temps',
          name: 'Temps',
          filter: { attribute: 'department', values: ['Temps'] },
          profileId: 'contractors',
          storageId: 'eu',
          quota: { amount: 1, unit: 'GB' },
          sendActivationEmail: true,
        },
      },
    );
    const placed = placeNewUser(tenant, { department: 'Temps' });
    expect([placed.placement.profileId, placed.profile.maxUsers]).toEqual(['contractors', 3]);
  });
});
