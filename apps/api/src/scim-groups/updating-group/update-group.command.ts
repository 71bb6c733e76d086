import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { readGroupPatch, readScimGroup, replacingMembers, ScimGroupView } from '@scim-ledger/scim';
import { GroupChange, GroupWrites } from '../../application/groups/group-writes';
import { RequestContext } from '../../http/request-context';
import { ScimWrite } from '../../http/scim-write';
import { GroupAnswers, ifMatchGuard } from '../group-answers';

/**
 * PUT (the whole group: Okta's, its membership replaced exactly) and PATCH
 * (operations, Entra ID's and Okta's forms) both end as one GroupChange,
 * which the decider turns into the request's delta on the group as loaded.
 */
export class UpdateScimGroup {
  constructor(
    readonly groupId: string,
    readonly change: { readonly kind: 'replace' | 'patch'; readonly body: unknown },
    readonly ifMatch: string | undefined,
    readonly withMembers: boolean,
    readonly context: RequestContext,
  ) {}
}

@CommandHandler(UpdateScimGroup)
export class UpdateScimGroupHandler implements ICommandHandler<UpdateScimGroup, ScimGroupView> {
  constructor(
    private readonly groups: GroupWrites,
    private readonly answers: GroupAnswers,
    private readonly write: ScimWrite,
  ) {}

  execute({ groupId, change, ifMatch, withMembers, context }: UpdateScimGroup): Promise<ScimGroupView> {
    const metadata = this.write.metadata(context);
    return this.write.recorded(metadata, { operation: change.kind, userName: null, userId: null, groupId }, async () => {
      const written = await this.groups.update(groupId, wanted(change), ifMatchGuard(ifMatch), metadata);
      return this.answers.viewOf(written, metadata, withMembers);
    });
  }
}

function wanted(change: UpdateScimGroup['change']): GroupChange {
  if (change.kind === 'patch') return readGroupPatch(change.body);
  const group = readScimGroup(change.body);
  return { displayName: group.displayName, externalId: group.externalId, membership: replacingMembers(group) };
}
