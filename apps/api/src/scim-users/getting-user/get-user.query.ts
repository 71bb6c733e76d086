import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ScimError, ScimUserView } from '@scim-ledger/scim';
import { ScimUsersReadModel, viewOfRow } from '../../application/reading/scim-users.read-model';

/** GET /Users/{id}: ids of other tenants are as unknown as ids that never existed. */
export class GetScimUser {
  constructor(
    readonly tenantId: string,
    readonly userId: string,
  ) {}
}

@QueryHandler(GetScimUser)
export class GetScimUserHandler implements IQueryHandler<GetScimUser, ScimUserView> {
  constructor(private readonly users: ScimUsersReadModel) {}

  async execute({ tenantId, userId }: GetScimUser): Promise<ScimUserView> {
    const row = await this.users.findVisible(tenantId, userId);
    if (!row) throw new ScimError(404, 'User not found');
    return viewOfRow(row);
  }
}
