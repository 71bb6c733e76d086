import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { readScimGroup, ScimGroupView } from '@scim-ledger/scim';
import { GroupWrites } from '../../application/groups/group-writes';
import { RequestContext } from '../../http/request-context';
import { ScimWrite } from '../../http/scim-write';
import { GroupAnswers } from '../group-answers';

/** POST /Groups: the IdP pushes a group with its first members (rule G1). */
export class CreateScimGroup {
  constructor(
    readonly body: unknown,
    readonly withMembers: boolean,
    readonly context: RequestContext,
  ) {}
}

@CommandHandler(CreateScimGroup)
export class CreateScimGroupHandler implements ICommandHandler<CreateScimGroup, ScimGroupView> {
  constructor(
    private readonly groups: GroupWrites,
    private readonly answers: GroupAnswers,
    private readonly write: ScimWrite,
  ) {}

  execute({ body, withMembers, context }: CreateScimGroup): Promise<ScimGroupView> {
    const metadata = this.write.metadata(context);
    // Rule S2: a refused push is recorded, as the IdP is answered.
    return this.write.recorded(metadata, { operation: 'create', userName: null, userId: null }, async () => {
      const written = await this.groups.create(readScimGroup(body), metadata);
      return this.answers.viewOf(written, metadata, withMembers);
    });
  }
}
