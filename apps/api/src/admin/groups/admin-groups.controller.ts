import { Get, Param, Query } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { groupNameKey } from '@scim-ledger/domain';
import { ExpensiveReads } from '../../application/reading/expensive-reads';
import { ScimGroupsReadModel } from '../../application/reading/scim-groups.read-model';
import { AdminProblem } from '../../http/problem-details.filter';
import { requireTenant } from '../auth/admin-principal';
import { AdminCall, Call } from '../http/admin-call';
import { AdminController, TenantRoute } from '../http/admin-controller';
import { CountParameter, StartIndexParameter } from '../http/page-parameters';

export class GroupSearchQuery {
  @ApiPropertyOptional({ description: 'text found in the display name (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @StartIndexParameter()
  startIndex?: number;

  @CountParameter(50, 200)
  count?: number;
}

export class GroupMembersQuery {
  @StartIndexParameter()
  startIndex?: number;

  @CountParameter(100, 1000)
  count?: number;
}

/**
 * The tenant's SCIM Groups as its admin reads them (issue 19, item 5, rule
 * G1): the IdP writes them, the admin only looks. A group of another tenant
 * is not found, like an unknown one.
 */
@AdminController('groups', 'admin/v1/tenants/:tenantId/groups')
export class AdminGroupsController {
  constructor(
    private readonly groups: ScimGroupsReadModel,
    private readonly expensiveReads: ExpensiveReads,
  ) {}

  @Get()
  @TenantRoute({ summary: 'List and search groups by display name, each with its number of members' })
  async list(@Param('tenantId') tenantId: string, @Query() query: GroupSearchQuery, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    // A text search scans the tenant's groups: it takes its turn with the tenant's other expensive reads (issue 15).
    return this.expensiveReads.run(tenantId, () =>
      this.groups.searchForAdmin(tenantId, {
        // The name key is how the display name is stored lower-cased (groupNameKey), so the text is folded alike.
        nameKey: query.q === undefined ? undefined : groupNameKey(query.q),
        startIndex: query.startIndex ?? 1,
        count: query.count ?? 50,
      }),
    );
  }

  @Get(':groupId')
  @TenantRoute({ summary: 'Read one group with a page of its members (id, userName, displayName)' })
  async get(@Param('tenantId') tenantId: string, @Param('groupId') groupId: string, @Query() query: GroupMembersQuery, @Call() call: AdminCall) {
    requireTenant(call.principal, tenantId);
    const group = await this.groups.adminGroup(tenantId, groupId);
    if (!group) throw new AdminProblem(404, 'Not Found', `group ${groupId} not found`);
    const startIndex = query.startIndex ?? 1;
    const members = await this.groups.memberPage(groupId, { startIndex, count: query.count ?? 100 });
    const { members: totalMembers, ...shown } = group;
    return { ...shown, members: { totalResults: totalMembers, startIndex, items: members } };
  }
}
