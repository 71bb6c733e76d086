import { Body, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import type { ProfileRow, ScimMappingRow, StorageRow } from '@scim-ledger/read-model';
import { TenantsReadModel } from '../../application/reading/tenants.read-model';
import { AdminPrincipal, requireTenant } from '../auth/admin-principal';
import { AdminCall, Call } from '../http/admin-call';
import { AdminController, OperatorRoute, TenantRoute } from '../http/admin-controller';
import { AdminProblem } from '../../http/problem-details.filter';
import { CreateMappingBody, CreateProfileBody, MappingConfigurationBody, MappingOrderBody, ProfileBody, StorageBody, StorageHealthBody } from './admin.dto';
import { TenantCommands } from '../../application/tenants/tenant-commands';

/** Storages (rule M6), profiles (M5, M7) and SCIM mappings (M1-M3) of one tenant. */
@AdminController('configuration', 'admin/v1/tenants/:tenantId')
export class TenantConfigurationController {
  constructor(
    private readonly tenants: TenantCommands,
    private readonly readModel: TenantsReadModel,
  ) {}

  @Get('storages')
  @TenantRoute({ summary: "The tenant's storages and their health" })
  async storages(@Param('tenantId') tenantId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    return { storages: (await this.readModel.storages(tenantId)).map(storageView) };
  }

  @Post('storages')
  @TenantRoute({ summary: 'Add a storage (it starts healthy)' })
  async addStorage(@Param('tenantId') tenantId: string, @Body() body: StorageBody, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(tenantId, { type: 'AddStorage', data: { storageId: body.id, name: body.name, region: body.region } }, call.request);
    return this.storage(tenantId, body.id);
  }

  @Put('storages/:storageId/health')
  @OperatorRoute({ summary: "Set a storage's health (operator only, rule M6)" })
  async health(@Param('tenantId') tenantId: string, @Param('storageId') storageId: string, @Body() body: StorageHealthBody, @Call() call: AdminCall) {
    await this.requireOperatorOnExistingTenant(call.principal, tenantId);
    await this.tenants.execute(tenantId, { type: 'SetStorageHealth', data: { storageId, health: body.health } }, call.request);
    return this.storage(tenantId, storageId);
  }

  @Get('profiles')
  @TenantRoute({ summary: "The tenant's profiles" })
  async profiles(@Param('tenantId') tenantId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    return { profiles: (await this.readModel.profiles(tenantId)).map(profileView) };
  }

  @Post('profiles')
  @TenantRoute({ summary: 'Create a profile: user cap (0 = unlimited), auto-delete period, allowed storages' })
  async createProfile(@Param('tenantId') tenantId: string, @Body() body: CreateProfileBody, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(tenantId, { type: 'CreateProfile', data: profileSpec(body.id, body) }, call.request);
    return this.profile(tenantId, body.id);
  }

  @Put('profiles/:profileId')
  @TenantRoute({ summary: "Replace a profile's configuration" })
  async updateProfile(@Param('tenantId') tenantId: string, @Param('profileId') profileId: string, @Body() body: ProfileBody, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(tenantId, { type: 'UpdateProfile', data: profileSpec(profileId, body) }, call.request);
    return this.profile(tenantId, profileId);
  }

  @Get('scim-mappings')
  @TenantRoute({ summary: 'The SCIM mappings in the order they are tried (rule M3)' })
  async mappings(@Param('tenantId') tenantId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    return { scimMappings: (await this.readModel.scimMappings(tenantId)).map(mappingView) };
  }

  @Post('scim-mappings')
  @TenantRoute({ summary: 'Add a SCIM mapping at the bottom of the order; its filter cannot change later (rules M1-M3, M7)' })
  async addMapping(@Param('tenantId') tenantId: string, @Body() body: CreateMappingBody, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(
      tenantId,
      {
        type: 'AddScimMapping',
        data: {
          mappingId: body.id,
          name: body.name,
          profileId: body.profileId,
          storageId: body.storageId,
          quota: { amount: body.quota.amount, unit: body.quota.unit },
          attribute: body.attribute,
          valuesText: body.values,
          sendActivationEmail: body.sendActivationEmail,
        },
      },
      call.request,
    );
    return this.mapping(tenantId, body.id);
  }

  @Put('scim-mappings/order')
  @TenantRoute({ summary: 'Reorder the SCIM mappings: every id, first tried first (rule M3)' })
  async reorder(@Param('tenantId') tenantId: string, @Body() body: MappingOrderBody, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(tenantId, { type: 'ReorderScimMappings', data: { orderedIds: body.orderedIds } }, call.request);
    return this.mappings(tenantId, call);
  }

  @Put('scim-mappings/:mappingId')
  @TenantRoute({ summary: "Change a mapping's name and configuration (never its filter, rule M3)" })
  async changeMapping(
    @Param('tenantId') tenantId: string,
    @Param('mappingId') mappingId: string,
    @Body() body: MappingConfigurationBody,
    @Call() call: AdminCall,
  ) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(
      tenantId,
      {
        type: 'ChangeScimMapping',
        data: {
          mappingId,
          name: body.name,
          profileId: body.profileId,
          storageId: body.storageId,
          quota: { amount: body.quota.amount, unit: body.quota.unit },
          sendActivationEmail: body.sendActivationEmail ?? true,
        },
      },
      call.request,
    );
    return this.mapping(tenantId, mappingId);
  }

  @Delete('scim-mappings/:mappingId')
  @HttpCode(204)
  @TenantRoute({ summary: 'Delete a SCIM mapping; users it placed stay where they are (rule M3)' })
  async removeMapping(@Param('tenantId') tenantId: string, @Param('mappingId') mappingId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.tenants.execute(tenantId, { type: 'RemoveScimMapping', data: { mappingId } }, call.request);
  }

  private async requireOperatorOnExistingTenant(principal: AdminPrincipal, tenantId: string): Promise<void> {
    if (principal.kind !== 'operator') {
      requireTenant(principal, tenantId);
      throw new AdminProblem(403, 'Forbidden', "only the operator sets a storage's health");
    }
    if (!(await this.readModel.tenantExists(tenantId))) {
      throw new AdminProblem(404, 'Not Found', `tenant ${tenantId} not found`);
    }
  }

  private async storage(tenantId: string, id: string) {
    return storageView(await found(this.readModel.storage(tenantId, id), `storage ${id}`));
  }

  private async profile(tenantId: string, id: string) {
    return profileView(await found(this.readModel.profile(tenantId, id), `profile ${id}`));
  }

  private async mapping(tenantId: string, id: string) {
    return mappingView(await found(this.readModel.scimMapping(tenantId, id), `SCIM mapping ${id}`));
  }
}

async function found<T>(row: Promise<T | null>, what: string): Promise<T> {
  const value = await row;
  if (!value) throw new AdminProblem(404, 'Not Found', `${what} not found`);
  return value;
}

function profileSpec(profileId: string, body: ProfileBody) {
  return {
    profileId,
    name: body.name,
    maxUsers: body.maxUsers,
    autoDeletePreservedAfterDays: body.autoDeletePreservedAfterDays ?? null,
    storageIds: body.storageIds,
  };
}

const storageView = (row: StorageRow) => ({ id: row.id, name: row.name, region: row.region, health: row.health });

const profileView = (row: ProfileRow) => ({
  id: row.id,
  name: row.name,
  maxUsers: row.maxUsers,
  autoDeletePreservedAfterDays: row.autoDeletePreservedAfterDays,
  storageIds: JSON.parse(row.storageIds) as string[],
});

const mappingView = (row: ScimMappingRow) => ({
  id: row.id,
  position: row.position,
  name: row.name,
  filter: { attribute: row.attribute, values: JSON.parse(row.filterValues) as string[] },
  profileId: row.profileId,
  storageId: row.storageId,
  quota: { amount: row.quotaAmount, unit: row.quotaUnit },
  sendActivationEmail: row.sendActivationEmail,
});
