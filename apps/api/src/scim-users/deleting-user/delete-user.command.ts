import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decide } from '@scim-ledger/domain';
import { WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { ScimError } from '@scim-ledger/scim';
import { RequestContext } from '../../http/request-context';
import { etagMatches, visibleTo } from '../updating-user/update-user.command';
import { ScimWrite } from '../scim-write';
import { UserStreams } from '../user-streams';

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
    private readonly streams: UserStreams,
    private readonly write: ScimWrite,
  ) {}

  async execute({ userId, ifMatch, context }: DeleteScimUser): Promise<void> {
    const metadata = this.write.metadata(context);
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.streams.load(userId);
      visibleTo(loaded, metadata.tenantId);
      if (ifMatch !== undefined && !etagMatches(ifMatch, loaded.revision as number)) {
        throw new ScimError(412, 'the user changed since the version in If-Match');
      }
      const events = decide({ type: 'DeleteUserInIdp' }, loaded.state);
      try {
        const result = await this.streams.append(userId, events, loaded.revision, metadata);
        await this.write.visible(result.position, context.requestId);
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (ifMatch !== undefined) throw new ScimError(412, 'the user changed since the version in If-Match');
        if (attempt >= 10) throw error;
      }
    }
  }
}
