import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { GroupWrites } from '../../application/groups/group-writes';
import { RequestContext } from '../../http/request-context';
import { ScimWrite } from '../../http/scim-write';
import { ifMatchGuard } from '../group-answers';

/** DELETE /Groups/{id}: removes only the group; its members stay as they are (rule G1). */
export class DeleteScimGroup {
  constructor(
    readonly groupId: string,
    readonly ifMatch: string | undefined,
    readonly context: RequestContext,
  ) {}
}

@CommandHandler(DeleteScimGroup)
export class DeleteScimGroupHandler implements ICommandHandler<DeleteScimGroup, void> {
  constructor(
    private readonly groups: GroupWrites,
    private readonly write: ScimWrite,
  ) {}

  async execute({ groupId, ifMatch, context }: DeleteScimGroup): Promise<void> {
    const metadata = this.write.metadata(context);
    await this.write.recorded(metadata, { operation: 'delete', userName: null, userId: null, groupId }, () =>
      this.groups.delete(groupId, ifMatchGuard(ifMatch), metadata),
    );
  }
}
