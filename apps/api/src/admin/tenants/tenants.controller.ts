import { Body, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type { TenantRow } from '@scim-ledger/read-model';
import { TenantsReadModel } from '../../application/reading/tenants.read-model';
import { newApiCredential, sha256Hex } from '@scim-ledger/platform';
import { requireOperator, requireTenant } from '../auth/admin-principal';
import { AdminCall, Call } from '../http/admin-call';
import { AdminController, OperatorRoute, TenantRoute } from '../http/admin-controller';
import { AdminProblem } from '../../http/problem-details.filter';
import { CreateTenantBody, TenantSettingsBody, UserManagementBody, ApiCredentialBody, LicencesBody, RecoveryCredentialBody } from './admin.dto';
import { TenantDeletion } from '../../application/provisioning/tenant-deletion';
import { TenantCommands } from '../../application/tenants/tenant-commands';

/** Tenants, their user-management method (rule T6), SCIM token (T2-T5) and API credentials (T4). */
@AdminController('tenants')
export class TenantsController {
  constructor(
    private readonly tenants: TenantCommands,
    private readonly deletion: TenantDeletion,
    private readonly readModel: TenantsReadModel,
  ) {}

  @Post('tenants')
  @OperatorRoute({ summary: 'Create a tenant (operator); answers its first API credential, whose secret is shown once' })
  async create(@Body() body: CreateTenantBody, @Call() call: AdminCall) {
    requireOperator(call.principal);
    await this.tenants.execute(body.id, { type: 'CreateTenant', data: { tenantId: body.id, name: body.name } }, call.request);
    const credential = await this.issueCredential(body.id, 'initial', call);
    return { ...(await this.tenant(body.id)), apiCredential: credential };
  }

  @Get('tenants')
  @OperatorRoute({ summary: 'List tenants (operator)' })
  async list(@Call() call: AdminCall) {
    requireOperator(call.principal);
    return { tenants: (await this.readModel.allTenants()).map(tenantView) };
  }

  @Get('tenants/:tenantId')
  @TenantRoute({ summary: 'Read a tenant and its settings' })
  async get(@Param('tenantId') tenantId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    return this.tenant(tenantId);
  }

  @Patch('tenants/:tenantId')
  @TenantRoute({ summary: "Change a tenant's settings" })
  async settings(@Param('tenantId') tenantId: string, @Body() body: TenantSettingsBody, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(tenantId, { type: 'ChangeTenantSettings', data: { name: body.name } }, call.request);
    return this.tenant(tenantId);
  }

  @Delete('tenants/:tenantId')
  @HttpCode(200)
  @OperatorRoute({
    summary:
      'Delete a tenant for good (operator): its users are deleted for good and their personal data shredded; its tokens stop working; the id is never reused',
  })
  async delete(@Param('tenantId') tenantId: string, @Call() call: AdminCall) {
    // Another tenant's id answers 404 like an unknown one; a tenant may not delete itself.
    if (call.principal.kind !== 'operator') requireTenant(call.principal, tenantId);
    requireOperator(call.principal);
    return this.deletion.delete(tenantId, call.request);
  }

  @Put('tenants/:tenantId/licences')
  @OperatorRoute({ summary: "Set a tenant's licences (operator; rule L10)" })
  async licences(@Param('tenantId') tenantId: string, @Body() body: LicencesBody, @Call() call: AdminCall) {
    // Another tenant's id answers 404 like an unknown one; a tenant may not buy itself licences.
    if (call.principal.kind !== 'operator') requireTenant(call.principal, tenantId);
    requireOperator(call.principal);
    const { activeLicences, preservedLicences } = body;
    await this.tenants.execute(tenantId, { type: 'SetLicenceLimits', data: { activeLicences, preservedLicences } }, call.request);
    return this.tenant(tenantId);
  }

  @Put('tenants/:tenantId/user-management')
  @TenantRoute({ summary: 'Switch between SCIM, AD/LDAP and manual user management (rule T6)' })
  async userManagement(@Param('tenantId') tenantId: string, @Body() body: UserManagementBody, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(
      tenantId,
      (state) => {
        if (body.method === 'scim') {
          // scim-ledger has no AD/LDAP integration, so none of T6's blockers can exist yet.
          return { type: 'SwitchToScim', data: { adLdapConfigured: false, adLdapMappings: 0, adLdapManagedUsers: 0 } };
        }
        if (state.status === 'Active' && state.userManagement === 'scim') {
          return { type: 'SwitchAwayFromScim', data: { to: body.method, deleteScimMappings: body.deleteScimMappings ?? false } };
        }
        if (body.method === 'ad_ldap') return { type: 'SwitchToAdLdap' };
        return { type: 'SwitchAwayFromScim', data: { to: 'manual', deleteScimMappings: false } };
      },
      call.request,
    );
    return this.tenant(tenantId);
  }

  @Post('tenants/:tenantId/scim-token')
  @TenantRoute({ summary: 'Generate the SCIM token (shown once); any previous token stops working at once (rule T2)' })
  async generateScimToken(@Param('tenantId') tenantId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    const token = randomBytes(32).toString('base64url');
    const tokenId = randomUUID();
    await this.tenants.execute(tenantId, { type: 'GenerateScimToken', data: { tokenId, tokenHash: sha256Hex(token), now: this.tenants.now() } }, call.request);
    return { token, ...(await this.scimToken(tenantId)) };
  }

  @Get('tenants/:tenantId/scim-token')
  @TenantRoute({ summary: "The SCIM token's id and UTC creation, expiry and last-use times (never the token)" })
  async getScimToken(@Param('tenantId') tenantId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    return this.scimToken(tenantId);
  }

  @Get('tenants/:tenantId/api-credentials')
  @TenantRoute({ summary: 'The API-credentials list: admin credentials and the SCIM token entry (rule T4)' })
  async credentials(@Param('tenantId') tenantId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    const admin = await this.readModel.apiCredentials(tenantId);
    const scim = await this.readModel.scimToken(tenantId);
    return {
      credentials: [
        ...admin.map((c) => ({ kind: 'admin', id: c.id, name: c.name, clientId: c.clientId, issuedAt: c.issuedAt, revokedAt: c.revokedAt })),
        ...(scim ? [{ kind: 'scim', id: scim.tokenId, name: 'SCIM token', createdAt: scim.createdAt, expiresAt: scim.expiresAt }] : []),
      ],
    };
  }

  @Post('tenants/:tenantId/api-credentials')
  @TenantRoute({ summary: 'Issue an API credential; the secret is shown once' })
  async issue(@Param('tenantId') tenantId: string, @Body() body: ApiCredentialBody, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    return this.issueCredential(tenantId, body.name, call);
  }

  @Post('tenants/:tenantId/recovery-credentials')
  @OperatorRoute({
    summary:
      "Issue a recovery API credential into a tenant (operator), saying why: for a tenant that lost its secret or an imported support case. The secret is shown once; the tenant's audit trail shows who issued it and why",
  })
  async recover(@Param('tenantId') tenantId: string, @Body() body: RecoveryCredentialBody, @Call() call: AdminCall) {
    // Another tenant's id answers 404 like an unknown one; a tenant may not let itself in.
    if (call.principal.kind !== 'operator') requireTenant(call.principal, tenantId);
    requireOperator(call.principal);
    return this.issueCredential(tenantId, 'recovery', call, body.reason);
  }

  @Post('tenants/:tenantId/api-credentials/:credentialId/revoke')
  @HttpCode(200)
  @TenantRoute({ summary: 'Revoke an API credential; it stops working at once' })
  async revoke(@Param('tenantId') tenantId: string, @Param('credentialId') credentialId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(tenantId, { type: 'RevokeApiCredential', data: { credentialId, now: this.tenants.now() } }, call.request);
    return this.credentials(tenantId, call);
  }

  private async issueCredential(tenantId: string, name: string, call: AdminCall, reason: string | null = null) {
    const { credentialId, clientId, secret, secretHash } = newApiCredential(tenantId);
    await this.tenants.execute(
      tenantId,
      { type: 'IssueApiCredential', data: { credentialId, clientId, secretHash, name, now: this.tenants.now(), reason } },
      call.request,
    );
    return { credentialId, clientId, clientSecret: secret };
  }

  private async tenant(tenantId: string) {
    const row = await this.readModel.tenant(tenantId);
    if (!row) throw new AdminProblem(404, 'Not Found', `tenant ${tenantId} not found`);
    return tenantView(row);
  }

  private async scimToken(tenantId: string) {
    const row = await this.readModel.scimToken(tenantId);
    if (!row) throw new AdminProblem(404, 'Not Found', 'this tenant has no SCIM token yet');
    const expired = row.expiresAt <= this.tenants.now();
    return { tokenId: row.tokenId, createdAt: row.createdAt, expiresAt: row.expiresAt, lastUsedAt: row.lastUsedAt, status: expired ? 'expired' : 'valid' };
  }
}

function tenantView(row: TenantRow) {
  return {
    id: row.id,
    name: row.name,
    userManagement: row.userManagement,
    licences: { activeLicences: row.activeLicences, preservedLicences: row.preservedLicences },
    createdAt: row.createdAt,
  };
}
