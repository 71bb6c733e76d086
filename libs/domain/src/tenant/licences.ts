import { LicenceLimitsSet, TenantEvent } from './tenant.events';
import { isCount } from './tenant-refusal';
import { DomainRefused } from '../domain-refused';
import { LicenceLimits, Tenant, TenantState } from './tenant.state';

/** Rule L10: the licences a tenant bought. */
export type LicenceCommand = { readonly type: 'SetLicenceLimits'; readonly data: LicenceLimits };

/** One command so far: when a second comes, this becomes a switch with a `never` check like its siblings. */
export function decideLicences(command: LicenceCommand, tenant: Tenant): TenantEvent[] {
  const { activeLicences, preservedLicences } = command.data;
  if (!isCount(activeLicences) || !isCount(preservedLicences)) {
    throw new DomainRefused('InvalidTenant', 'licence counts must be integers ≥ 0');
  }
  const same = tenant.licences.activeLicences === activeLicences && tenant.licences.preservedLicences === preservedLicences;
  return same ? [] : [{ type: 'LicenceLimitsSet', data: { activeLicences, preservedLicences } }];
}

export function evolveLicences(tenant: Tenant, event: LicenceLimitsSet): Tenant {
  return { ...tenant, licences: { ...event.data } };
}

/** Users of the tenant by status, as the read side counts them. */
export interface LicensedUsers {
  readonly active: number;
  readonly preserved: number;
}

/**
 * Rule L10 (the vendor's licensing): an active user takes an active licence,
 * and a preserved one gives it back; active plus preserved users ("deployed")
 * may reach 110 % of all licences, which by default lets 10 % of the active
 * licence count stay preserved. Returns why a user may not become active or
 * be added, or null when it may.
 */
export function licenceRefusal(state: TenantState, users: LicensedUsers, change: 'add-active' | 'add-preserved' | 'reactivate'): string | null {
  if (state.status !== 'Active' || state.licences.activeLicences === 0) return null;
  const { activeLicences, preservedLicences } = state.licences;
  const deployable = Math.floor(((activeLicences + preservedLicences) * 110) / 100);
  if (change !== 'add-preserved' && users.active + 1 > activeLicences) {
    return `all ${activeLicences} active licences are in use`;
  }
  if (change !== 'reactivate' && users.active + users.preserved + 1 > deployable) {
    return `the tenant holds ${users.active + users.preserved} users, its limit of ${deployable} (110 % of its licences)`;
  }
  return null;
}
