import { decide, foldTenant, licenceRefusal, TenantCommand, TenantState } from './tenant.decider';

function tenantWithLicences(activeLicences: number, preservedLicences: number): TenantState {
  let state = foldTenant([]);
  const run = (command: TenantCommand) => {
    state = foldTenant(decide(command, state), state);
  };
  run({ type: 'CreateTenant', data: { tenantId: 't1', name: 'Acme' } });
  run({ type: 'SetLicenceLimits', data: { activeLicences, preservedLicences } });
  return state;
}

describe('Licence limits (rule L10)', () => {
  it('given a tenant, when licences are set, then LicenceLimitsSet; the same again changes nothing; negative counts are refused', () => {
    const tenant = tenantWithLicences(0, 0);
    expect(decide({ type: 'SetLicenceLimits', data: { activeLicences: 100, preservedLicences: 5 } }, tenant)).toEqual([
      { type: 'LicenceLimitsSet', data: { activeLicences: 100, preservedLicences: 5 } },
    ]);
    expect(decide({ type: 'SetLicenceLimits', data: { activeLicences: 0, preservedLicences: 0 } }, tenant)).toEqual([]);
    expect(() => decide({ type: 'SetLicenceLimits', data: { activeLicences: -1, preservedLicences: 0 } }, tenant)).toThrow(
      expect.objectContaining({ reason: 'InvalidTenant' }),
    );
  });

  it('given no active licence count (0), when anything is added, then it is never refused: unlimited', () => {
    expect(licenceRefusal(tenantWithLicences(0, 0), { active: 1_000_000, preserved: 1_000_000 }, 'add-active')).toBeNull();
  });

  it('given 10 licences all used by active users, when another active user is added or one reactivated, then refused', () => {
    const tenant = tenantWithLicences(10, 0);
    expect(licenceRefusal(tenant, { active: 10, preserved: 0 }, 'add-active')).toMatch(/active licences/);
    expect(licenceRefusal(tenant, { active: 10, preserved: 0 }, 'reactivate')).toMatch(/active licences/);
    expect(licenceRefusal(tenant, { active: 9, preserved: 1 }, 'reactivate')).toBeNull();
  });

  it('given 10 licences, when active plus preserved users reach 110 % (11), then no user may be added, preserved or not', () => {
    const tenant = tenantWithLicences(10, 0);
    expect(licenceRefusal(tenant, { active: 9, preserved: 1 }, 'add-active')).toBeNull();
    expect(licenceRefusal(tenant, { active: 9, preserved: 2 }, 'add-active')).toMatch(/110 %/);
    expect(licenceRefusal(tenant, { active: 9, preserved: 2 }, 'add-preserved')).toMatch(/110 %/);
  });

  it('given bought preserved licences, when counting the deployment limit, then they raise it', () => {
    // (10 + 10) × 110 % = 22 users in all.
    expect(licenceRefusal(tenantWithLicences(10, 10), { active: 9, preserved: 12 }, 'add-preserved')).toBeNull();
    expect(licenceRefusal(tenantWithLicences(10, 10), { active: 9, preserved: 13 }, 'add-preserved')).toMatch(/110 %/);
  });

  // Which limit each change answers to (rule L10), pinned where `npm run test:mutation` found it open.
  it('given every active licence in use, when a preserved user is added, then only the 110 % limit applies to it', () => {
    expect(licenceRefusal(tenantWithLicences(10, 0), { active: 10, preserved: 0 }, 'add-preserved')).toBeNull();
  });

  it('given users at the 110 % limit, when a preserved user is reactivated, then it needs an active licence only: it adds no user', () => {
    expect(licenceRefusal(tenantWithLicences(10, 0), { active: 9, preserved: 2 }, 'reactivate')).toBeNull();
  });

  it('given active and preserved users that together reach the limit, when a user is added, then refused: both count', () => {
    // 10 licences: 11 users in all; 5 active and 6 preserved are 11.
    expect(licenceRefusal(tenantWithLicences(10, 0), { active: 5, preserved: 6 }, 'add-preserved')).toMatch(/110 %/);
  });
});
