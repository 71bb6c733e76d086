import { ExpensiveReads } from '../../application/reading/expensive-reads';
import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { CommandMetadata, foldText, sanitiseUserName, simpleLowerCase, UserCommand } from '@scim-ledger/domain';
import { UserCreation } from '../../application/provisioning/user-creation';
import type { ScimUserRow } from '@scim-ledger/read-model';
import { UserCommands } from '../../application/users/user-commands';
import { ScimUsersReadModel } from '../../application/reading/scim-users.read-model';
import { UsersReadModel } from '../../application/reading/users.read-model';
import { ScimGroupsReadModel } from '../../application/reading/scim-groups.read-model';
import { requireTenant } from '../auth/admin-principal';
import { AdminCall, Call } from '../http/admin-call';
import { AdminController, TenantRoute } from '../http/admin-controller';
import { CountParameter, StartIndexParameter } from '../http/page-parameters';
import { AdminProblem } from '../../http/problem-details.filter';
import { TenantCommands } from '../../application/tenants/tenant-commands';

export class CreateUserBody {
  @ApiProperty({ description: 'becomes the email address (rule L2)', example: 'ada@example.com' })
  // The admin API's documented shape (a 400 before any rule runs); a blank one is the domain's InvalidUser (rule L1),
  // and its bound the user decider's, on the stored (canonical) form.
  @IsString()
  @MinLength(3)
  userName: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString()
  @MinLength(1)
  displayName: string;

  @ApiPropertyOptional({ description: 'defaults to userName', example: 'ada@example.com' })
  @IsOptional()
  @IsEmail()
  email?: string;
}

export class UserSearchQuery {
  @ApiPropertyOptional({ enum: ['Active', 'Preserved'] })
  @IsOptional()
  @IsIn(['Active', 'Preserved'])
  status?: 'Active' | 'Preserved';

  @ApiPropertyOptional({ description: 'users a SCIM mapping placed in this profile' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  profileId?: string;

  @ApiPropertyOptional({ description: 'users a SCIM mapping placed on this storage' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  storageId?: string;

  @ApiPropertyOptional({ description: 'text found in userName, displayName or email (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @StartIndexParameter()
  startIndex?: number;

  @CountParameter(50, 200)
  count?: number;
}

/** Users as the admin sees them: Active and Preserved, including those the IdP deleted (rule L4). */
@AdminController('users', 'admin/v1/tenants/:tenantId/users')
export class AdminUsersController {
  constructor(
    private readonly userCommands: UserCommands,
    private readonly tenants: TenantCommands,
    private readonly creation: UserCreation,
    private readonly expensiveReads: ExpensiveReads,
    private readonly scimUsers: ScimUsersReadModel,
    private readonly users: UsersReadModel,
    private readonly groups: ScimGroupsReadModel,
  ) {}

  @Get()
  @TenantRoute({ summary: 'List and search users by status and text' })
  async list(@Param('tenantId') tenantId: string, @Query() query: UserSearchQuery, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    // A text search scans the tenant: it takes its turn with the tenant's other expensive reads (issue 15).
    return this.expensiveReads.run(tenantId, () => this.search(tenantId, query));
  }

  private async search(tenantId: string, query: UserSearchQuery) {
    const { total, rows } = await this.scimUsers.searchForAdmin(tenantId, {
      status: query.status,
      profileId: query.profileId,
      storageId: query.storageId,
      // The address columns hold the canonical form (rule L8): the text is folded the same way.
      text: query.q ? { folded: sanitiseUserName(foldText(query.q)), lowerCase: simpleLowerCase(query.q) } : undefined,
      startIndex: query.startIndex ?? 1,
      count: query.count ?? 50,
    });
    return { total, users: rows.map(adminUserView) };
  }

  @Get(':userId')
  @TenantRoute({ summary: 'Read one user, with the groups it is a member of' })
  async get(@Param('tenantId') tenantId: string, @Param('userId') userId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    const user = adminUserView(await this.row(tenantId, userId));
    // Rule G1: its groups as the membership rows hold them (issue 19, item 5).
    const groups = (await this.groups.groupsOf(tenantId, userId)).map(({ value, display }) => ({ id: value, displayName: display }));
    return { ...user, groups };
  }

  @Post()
  @TenantRoute({ summary: 'Create a user by hand (manual provisioning)' })
  async create(@Param('tenantId') tenantId: string, @Body() body: CreateUserBody, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    const profile = {
      userName: body.userName,
      email: body.email ?? '',
      displayName: body.displayName,
      givenName: null,
      familyName: null,
      externalId: null,
      userPrincipalName: null,
      attributes: {},
    };
    // The SCIM create's own: the address is claimed with the user, in one append (rule L8).
    const created = await this.creation.create({ by: 'admin', profile }, this.metadata(tenantId, call));
    return adminUserView(await this.row(tenantId, created.loaded.userId));
  }

  @Post(':userId/preserve')
  @HttpCode(200)
  @TenantRoute({ summary: 'Preserve a user: backups stop, data stays, the IdP cannot reactivate it (rule L6)' })
  async preserve(@Param('tenantId') tenantId: string, @Param('userId') userId: string, @Call() call: AdminCall) {
    return this.changed(tenantId, userId, { type: 'PreserveUserByAdmin' }, call);
  }

  @Post(':userId/reactivate')
  @HttpCode(200)
  @TenantRoute({ summary: 'Reactivate a preserved user' })
  async reactivate(@Param('tenantId') tenantId: string, @Param('userId') userId: string, @Call() call: AdminCall) {
    return this.changed(tenantId, userId, { type: 'ReactivateUserByAdmin' }, call);
  }

  @Delete(':userId')
  @HttpCode(204)
  @TenantRoute({ summary: 'Delete a preserved user for good (rule L10); an active user is refused' })
  async deletePermanently(@Param('tenantId') tenantId: string, @Param('userId') userId: string, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.userCommands.deletePermanently(userId, this.metadata(tenantId, call));
  }

  @Post(':userId/legal-hold')
  @HttpCode(200)
  @TenantRoute({ summary: 'Place a user on legal hold: it is never deleted for good, not even automatically (rule L10)' })
  async placeOnLegalHold(@Param('tenantId') tenantId: string, @Param('userId') userId: string, @Call() call: AdminCall) {
    return this.changed(tenantId, userId, { type: 'PlaceUserOnLegalHold' }, call);
  }

  @Delete(':userId/legal-hold')
  @HttpCode(200)
  @TenantRoute({ summary: 'Release a user from legal hold' })
  async releaseFromLegalHold(@Param('tenantId') tenantId: string, @Param('userId') userId: string, @Call() call: AdminCall) {
    return this.changed(tenantId, userId, { type: 'ReleaseUserFromLegalHold' }, call);
  }

  /** One command on one existing user of the caller's tenant (UserCommands checks it is theirs), answered with the user as it is after. */
  private async changed(tenantId: string, userId: string, command: UserCommand, call: AdminCall) {
    requireTenant(call.principal, tenantId);
    await this.userCommands.execute(userId, command, this.metadata(tenantId, call));
    return adminUserView(await this.row(tenantId, userId));
  }

  private metadata(tenantId: string, call: AdminCall): CommandMetadata {
    return { tenantId, ...call.request, now: this.tenants.now() };
  }

  private async row(tenantId: string, userId: string): Promise<ScimUserRow> {
    const row = await this.users.user(tenantId, userId);
    if (!row) throw new AdminProblem(404, 'Not Found', `user ${userId} not found`);
    return row;
  }
}

function adminUserView(row: ScimUserRow) {
  return {
    id: row.id,
    userName: row.userName,
    email: row.email,
    displayName: row.displayName,
    status: row.status,
    preservedBy: row.preservedBy,
    preservedAt: row.preservedAt,
    deletedInIdp: row.deletedInIdp,
    legalHold: row.legalHold,
    provisionedBy: row.provisionedBy,
    placement:
      row.profileId === null
        ? null
        : {
            mappingId: row.mappingId,
            profileId: row.profileId,
            storageId: row.storageId,
            quota: { amount: row.quotaAmount, unit: row.quotaUnit },
            sendActivationEmail: row.sendActivationEmail,
          },
    externalId: row.externalId,
    userPrincipalName: row.userPrincipalName,
    createdAt: row.createdAt,
    lastModified: row.lastModified,
  };
}
