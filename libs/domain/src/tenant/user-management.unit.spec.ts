import { scimTokenStatus } from './tenant.decider';
import { active, adminIssued, created, given, NOW, parisAdded, salesAdded, scimOn, setUp, tokenGenerated } from '../testing/tenant-history';

describe('Tenant decider', () => {
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
      given(created)
        .when({ type: 'SwitchToScim', data: { ...noAdLdap, adLdapManagedUsers: -1 } })
        .thenRefused('InvalidFacts');
    });

    it('given an AD/LDAP tenant whose AD/LDAP is all gone, when switched to SCIM, then it switches from ad_ldap', () => {
      given(created, { type: 'UserManagementSwitchedToAdLdap', data: { from: 'manual' } })
        .when({ type: 'SwitchToScim', data: noAdLdap })
        .then([{ type: 'UserManagementSwitchedToScim', data: { from: 'ad_ldap' } }]);
    });

    it('given a SCIM tenant, when switched to SCIM again, then nothing happens', () => {
      given(created, scimOn)
        .when({ type: 'SwitchToScim', data: { ...noAdLdap, adLdapConfigured: true } })
        .then([]);
    });

    it('given a manual tenant, when switched to AD/LDAP, then UserManagementSwitchedToAdLdap', () => {
      given(created)
        .when({ type: 'SwitchToAdLdap' })
        .then([{ type: 'UserManagementSwitchedToAdLdap', data: { from: 'manual' } }]);
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
      given(created)
        .when({ type: 'SwitchAwayFromScim', data: { to: 'manual', deleteScimMappings: true } })
        .then([]);
    });

    it('given a manual tenant, when switched away from SCIM to AD/LDAP, then refused: it does not use SCIM', () => {
      given(created)
        .when({ type: 'SwitchAwayFromScim', data: { to: 'ad_ldap', deleteScimMappings: false } })
        .thenRefused('ScimNotEnabled');
    });
  });
});
