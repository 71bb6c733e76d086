import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ScimError, ScimUserView } from '@scim-ledger/scim';
import { ScimUsersReadModel, viewOfRow } from '../../application/reading/scim-users.read-model';
import { ScimGroupsReadModel } from '../../application/reading/scim-groups.read-model';

/** GET /Users/{id}: ids of other tenants are as unknown as ids that never existed. */
export class GetScimUser {
  constructor(
    readonly tenantId: string,
    readonly userId: string,
  ) {}
}

@QueryHandler(GetScimUser)
export class GetScimUserHandler implements IQueryHandler<GetScimUser, ScimUserView> {
  constructor(
    private readonly users: ScimUsersReadModel,
    private readonly groups: ScimGroupsReadModel,
  ) {}

  async execute({ tenantId, userId }: GetScimUser): Promise<ScimUserView> {
    const row = await this.users.findVisible(tenantId, userId);
    if (!row) throw new ScimError(404, 'User not found');
    // Rule G1: a user's read-only groups come from the membership rows (the index on tenant and user).
    return { ...viewOfRow(row), groups: await this.groups.groupsOf(tenantId, userId) };
  }
}
