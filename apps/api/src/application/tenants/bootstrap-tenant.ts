import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { newApiCredential, sha256Hex } from '@scim-ledger/platform';
import { AdminApiCredential, EVERY_USER, TenantCommand } from '@scim-ledger/domain';
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

/** The bootstrap tenant's admin API credential as start-up shows it: the secret only when it was just made. */
export type BootstrapApiCredential =
  | { readonly status: 'issued'; readonly clientId: string; readonly secret: string }
  | { readonly status: 'chosen'; readonly clientId: string }
  | { readonly status: 'earlier' }
  | { readonly status: 'none' };

const BOOTSTRAP_CREDENTIAL = 'bootstrap';

/**
 * The tenant the embedded default serves out of the box (README's first
 * command), made through the same tenant commands an admin would use.
 */
@Injectable()
export class BootstrapTenant {
  constructor(private readonly tenants: TenantCommands) {}

  /**
   * The bootstrap tenant's admin API credential, so its users, history and
   * audit are reachable from the first start (issue 20). A secret from the
   * environment names its credential (the same secret, the same client id)
   * and replaces an earlier bootstrap credential; without one, a credential
   * is made only at the first start, for a tenant that never had one, and
   * its secret is shown once. A tenant that lost it gets a recovery
   * credential from the operator.
   */
  async ensureApiCredential(tenantId: string, secretFromEnvironment: string | undefined): Promise<BootstrapApiCredential> {
    const { state } = await this.tenants.load(tenantId);
    if (state.status !== 'Active') return { status: 'none' };
    const credentials = state.apiCredentials.filter((entry): entry is AdminApiCredential => entry.kind === 'admin');
    if (!secretFromEnvironment && credentials.length > 0) return { status: 'earlier' };
    const credential = newApiCredential(tenantId, secretFromEnvironment);
    const request = this.request();
    const known = credentials.find((c) => c.credentialId === credential.credentialId);
    if (known && known.revokedAt !== null) {
      throw new Error(`the API credential of SCIM_BOOTSTRAP_API_SECRET (client id ${known.clientId}) was revoked: choose another secret`);
    }
    if (!known) {
      const reason = secretFromEnvironment ? 'SCIM_BOOTSTRAP_API_SECRET set at start-up' : 'first start of the bootstrap tenant';
      const { credentialId, clientId, secretHash } = credential;
      await this.tenants.execute(
        tenantId,
        { type: 'IssueApiCredential', data: { credentialId, clientId, secretHash, name: BOOTSTRAP_CREDENTIAL, now: this.tenants.now(), reason } },
        request,
      );
    }
    if (!secretFromEnvironment) return { status: 'issued', clientId: credential.clientId, secret: credential.secret };
    // The environment's secret is the bootstrap credential: one made from an earlier secret stops working (as rule T2 replaces the SCIM token).
    for (const earlier of credentials) {
      if (earlier.name === BOOTSTRAP_CREDENTIAL && earlier.revokedAt === null && earlier.credentialId !== credential.credentialId) {
        await this.tenants.execute(tenantId, { type: 'RevokeApiCredential', data: { credentialId: earlier.credentialId, now: this.tenants.now() } }, request);
      }
    }
    return { status: 'chosen', clientId: credential.clientId };
  }

  private request(): AdminRequest {
    return { actor: { kind: 'system', id: 'bootstrap' }, requestId: `bootstrap-${randomUUID()}`, userAgent: null, clientAddress: null };
  }

  /**
   * Creates the tenant if it is missing and switches it to SCIM. A token from
   * the environment becomes its SCIM token (replacing another one: rule T2);
   * without one a token is generated only if the tenant has none, and
   * returned so start-up can show it once.
   */
  async ensure(tenantId: string, tokenFromEnvironment: string | undefined): Promise<{ token: string | null; expiresAt: string | null }> {
    const request = this.request();
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
