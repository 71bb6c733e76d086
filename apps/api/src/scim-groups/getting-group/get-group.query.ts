import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ScimError, ScimGroupView } from '@scim-ledger/scim';
import { ScimGroupsReadModel } from '../../application/reading/scim-groups.read-model';

/** GET /Groups/{id}: a group of another tenant is as unknown as one that never existed; members are read only when shown. */
export class GetScimGroup {
  constructor(
    readonly tenantId: string,
    readonly groupId: string,
    readonly withMembers: boolean,
  ) {}
}

@QueryHandler(GetScimGroup)
export class GetScimGroupHandler implements IQueryHandler<GetScimGroup, ScimGroupView> {
  constructor(private readonly groups: ScimGroupsReadModel) {}

  async execute({ tenantId, groupId, withMembers }: GetScimGroup): Promise<ScimGroupView> {
    const view = await this.groups.find(tenantId, groupId, withMembers);
    if (!view) throw new ScimError(404, 'Group not found');
    return view;
  }
}
