import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decide } from '@scim-ledger/domain';
import { RequestContext } from '../../http/request-context';
import { ExistingUserWrite } from '../existing-user-write';

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
  constructor(private readonly existing: ExistingUserWrite) {}

  async execute({ userId, ifMatch, context }: DeleteScimUser): Promise<void> {
    await this.existing.run(userId, ifMatch, context, async (loaded) => decide({ type: 'DeleteUserInIdp' }, loaded.state));
  }
}
