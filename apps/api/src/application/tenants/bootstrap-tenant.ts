import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { sha256Hex } from './secret-hash';
import { EVERY_USER, TenantCommand } from '@scim-ledger/domain';
import { AdminRequest, TenantCommands } from './tenant-commands';

/**
 * A default storage, an unlimited profile and a catch-all SCIM mapping, so
 * the embedded default provisions out of the box (rules M1–M4); an admin
 * changes or replaces them through the admin API.
 */
const DEFAULT_PLACEMENT: readonly TenantCommand[] = [
  { type: 'AddStorage', data: { storageId: 'default', name: 'Default storage', region: 'local' } },
  { type: 'CreateProfile', data: { profileId: 'default', name: 'Default profile', maxUsers: 0, autoDeletePreservedAfterDays: null, storageIds: ['default'] } },
  {
    type: 'AddScimMapping',
    data: {
      mappingId: 'all-users',
      name: 'All users',
      attribute: EVERY_USER,
      valuesText: EVERY_USER,
      profileId: 'default',
      storageId: 'default',
      quota: { amount: 0, unit: 'GB' },
    },
  },
];

/**
 * The tenant the embedded default serves out of the box (README's first
 * command), made through the same tenant commands an admin would use.
 */
@Injectable()
export class BootstrapTenant {
  constructor(private readonly tenants: TenantCommands) {}

  /**
   * Creates the tenant if it is missing and switches it to SCIM. A token from
   * the environment becomes its SCIM token (replacing another one: rule T2);
   * without one a token is generated only if the tenant has none, and
   * returned so start-up can show it once.
   */
  async ensure(tenantId: string, tokenFromEnvironment: string | undefined): Promise<{ token: string | null; expiresAt: string | null }> {
    const request: AdminRequest = { actor: { kind: 'system', id: 'bootstrap' }, requestId: `bootstrap-${randomUUID()}`, userAgent: null, clientAddress: null };
    const { state } = await this.tenants.load(tenantId);
    // The operator deleted it: it stays deleted, and start-up serves the other tenants.
    if (state.status === 'Deleted') return { token: null, expiresAt: null };
    if (state.status === 'Initial') {
      await this.tenants.execute(tenantId, { type: 'CreateTenant', data: { tenantId, name: tenantId } }, request);
    }
    await this.tenants.execute(tenantId, { type: 'SwitchToScim', data: { adLdapConfigured: false, adLdapMappings: 0, adLdapManagedUsers: 0 } }, request);
    const configured = (await this.tenants.load(tenantId)).state;
    // Never after an admin removed or reordered them: only a tenant with no placement at all gets the defaults.
    if (
      configured.status === 'Active' &&
      configured.profiles.length === 0 &&
      configured.scimMappings.length === 0 &&
      configured.removedScimMappingIds.length === 0
    ) {
      for (const command of DEFAULT_PLACEMENT) await this.tenants.execute(tenantId, command, request);
    }
    const current = (await this.tenants.load(tenantId)).state;
    const existing = current.status === 'Active' ? current.scimToken : null;
    if (!tokenFromEnvironment && existing) return { token: null, expiresAt: existing.expiresAt };
    // A restart with the same SCIM_BOOTSTRAP_TOKEN keeps it: generating it again is refused as reuse (rule T2).
    if (tokenFromEnvironment && existing?.tokenHash === sha256Hex(tokenFromEnvironment)) return { token: tokenFromEnvironment, expiresAt: existing.expiresAt };
    const token = tokenFromEnvironment ?? randomBytes(32).toString('base64url');
    const { state: after } = await this.tenants.execute(
      tenantId,
      { type: 'GenerateScimToken', data: { tokenId: randomUUID(), tokenHash: sha256Hex(token), now: this.tenants.now() } },
      request,
    );
    return { token, expiresAt: after.status === 'Active' ? (after.scimToken?.expiresAt ?? null) : null };
  }
}
