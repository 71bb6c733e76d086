import { TenantEvent, UserManagementSwitchedFromScim, UserManagementSwitchedToAdLdap, UserManagementSwitchedToScim } from './tenant.events';
import { isCount } from './tenant-refusal';
import { DomainRefused } from '../domain-refused';
import { Tenant } from './tenant.state';

/**
 * Rule T6 needs facts the tenant stream cannot see (AD/LDAP lives elsewhere,
 * users have their own streams): the read side supplies them, the decider
 * decides.
 */
export interface AdLdapFacts {
  readonly adLdapConfigured: boolean;
  readonly adLdapMappings: number;
  readonly adLdapManagedUsers: number;
}

/** Rule T6: how the tenant's users are managed, one method at a time. */
export type UserManagementCommand =
  | { readonly type: 'SwitchToScim'; readonly data: AdLdapFacts }
  | { readonly type: 'SwitchToAdLdap' }
  | { readonly type: 'SwitchAwayFromScim'; readonly data: { to: 'manual' | 'ad_ldap'; deleteScimMappings: boolean } };

export type UserManagementEvent = UserManagementSwitchedToScim | UserManagementSwitchedToAdLdap | UserManagementSwitchedFromScim;

export function decideUserManagement(command: UserManagementCommand, tenant: Tenant): TenantEvent[] {
  switch (command.type) {
    case 'SwitchToScim':
      return switchToScim(tenant, command.data);
    case 'SwitchToAdLdap': {
      if (tenant.userManagement === 'ad_ldap') return [];
      if (tenant.userManagement === 'scim') {
        // Leaving SCIM must say what happens to users and mappings (rule T6).
        throw new DomainRefused('ScimInUse', 'the tenant uses SCIM: switch away from SCIM first');
      }
      return [{ type: 'UserManagementSwitchedToAdLdap', data: { from: 'manual' } }];
    }
    case 'SwitchAwayFromScim':
      return switchAwayFromScim(tenant, command.data);
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolveUserManagement(tenant: Tenant, event: UserManagementEvent): Tenant {
  switch (event.type) {
    case 'UserManagementSwitchedToScim':
      return { ...tenant, userManagement: 'scim' };
    case 'UserManagementSwitchedToAdLdap':
      return { ...tenant, userManagement: 'ad_ldap' };
    case 'UserManagementSwitchedFromScim':
      return {
        ...tenant,
        userManagement: event.data.to,
        scimToken: null,
        apiCredentials: tenant.apiCredentials.filter((entry) => entry.kind !== 'scim'),
      };
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

function switchToScim(tenant: Tenant, facts: AdLdapFacts): TenantEvent[] {
  if (tenant.userManagement === 'scim') return [];
  if (!isCount(facts.adLdapMappings) || !isCount(facts.adLdapManagedUsers) || typeof facts.adLdapConfigured !== 'boolean') {
    throw new DomainRefused('InvalidFacts', 'AD/LDAP facts must be a boolean and two counts');
  }
  // Rule T6: SCIM only when nothing of AD/LDAP is left.
  const blockers = [
    facts.adLdapConfigured ? 'an AD/LDAP configuration exists' : null,
    facts.adLdapMappings > 0 ? `${facts.adLdapMappings} AD/LDAP mapping(s) exist` : null,
    facts.adLdapManagedUsers > 0 ? `${facts.adLdapManagedUsers} AD/LDAP-managed user(s) exist` : null,
  ].filter((blocker): blocker is string => blocker !== null);
  if (blockers.length > 0) throw new DomainRefused('ScimNotAllowed', `SCIM cannot be switched on: ${blockers.join('; ')}`);
  return [{ type: 'UserManagementSwitchedToScim', data: { from: tenant.userManagement } }];
}

function switchAwayFromScim(tenant: Tenant, wanted: { to: 'manual' | 'ad_ldap'; deleteScimMappings: boolean }): TenantEvent[] {
  if (tenant.userManagement !== 'scim') {
    // A repeated request finds the tenant already where it wanted it.
    if (tenant.userManagement === wanted.to) return [];
    throw new DomainRefused('ScimNotEnabled', 'the tenant does not use SCIM');
  }
  const switched: TenantEvent = {
    type: 'UserManagementSwitchedFromScim',
    data: {
      to: wanted.to,
      usersMovedTo: 'manual',
      deleteScimMappings: wanted.deleteScimMappings,
      revokedScimTokenId: tenant.scimToken?.tokenId ?? null,
    },
  };
  // Rule T6: the mappings go only when the admin asks.
  const removals: TenantEvent[] = wanted.deleteScimMappings
    ? tenant.scimMappings.map((m) => ({ type: 'ScimMappingRemoved', data: { mappingId: m.mappingId } }))
    : [];
  return [switched, ...removals];
}
