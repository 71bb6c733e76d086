import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { UserCommands } from '../../application/users/user-commands';
import { RequestContext } from '../../http/request-context';
import { ExistingUserWrite } from '../existing-user-write';
import { ScimWrite } from '../../http/scim-write';

/** DELETE /Users/{id}: preserves the user, never destroys it (rule L4). */
export class DeleteScimUser {
  constructor(
    readonly userId: string,
    readonly ifMatch: string | undefined,
    readonly context: RequestContext,
  ) {}
}

@CommandHandler(DeleteScimUser)
export class DeleteScimUserHandler implements ICommandHandler<DeleteScimUser, void> {
  constructor(
    private readonly commands: UserCommands,
    private readonly existing: ExistingUserWrite,
    private readonly write: ScimWrite,
  ) {}

  async execute({ userId, ifMatch, context }: DeleteScimUser): Promise<void> {
    // The preserved user keeps its address, so the IdP's re-assignment finds it again (rule L5).
    const metadata = this.write.metadata(context);
    await this.write.recorded(metadata, { operation: 'delete', userName: null, userId }, () =>
      this.commands.execute(userId, { type: 'DeleteUserInIdp' }, metadata, this.existing.guard(ifMatch, metadata)),
    );
  }
}
