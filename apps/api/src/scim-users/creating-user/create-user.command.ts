import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { decide } from '@scim-ledger/domain';
import { readScimUser, ScimError, ScimUserView } from '@scim-ledger/scim';
import { RequestContext } from '../../http/request-context';
import { ScimWrite } from '../scim-write';
import { ScimUsersReadModel } from '../scim-users.read-model';
import { UserStreams, viewAfter } from '../user-streams';

/** POST /Users: the IdP assigned a user to the app (rule L1). */
export class CreateScimUser {
  constructor(
    readonly body: unknown,
    readonly context: RequestContext,
  ) {}
}

@CommandHandler(CreateScimUser)
export class CreateScimUserHandler implements ICommandHandler<CreateScimUser, ScimUserView> {
  constructor(
    private readonly streams: UserStreams,
    private readonly users: ScimUsersReadModel,
    private readonly write: ScimWrite,
  ) {}

  async execute({ body, context }: CreateScimUser): Promise<ScimUserView> {
    const input = readScimUser(body);
    const metadata = this.write.metadata(context);
    // Walking skeleton: a read-model check; race-free reservations are rule L8/L9's issue.
    if (await this.users.userNameTaken(metadata.tenantId, input.profile.userName)) {
      throw new ScimError(409, `userName ${input.profile.userName} is already taken in this tenant`, 'uniqueness');
    }
    // Rule L5: the IdP assigning a user it deleted brings that preserved user back.
    const deleted = await this.users.findDeletedByUserName(metadata.tenantId, input.profile.userName);
    const userId = deleted?.id ?? randomUUID();
    const loaded = await this.streams.load(userId);
    const events = decide(
      { type: 'CreateUser', data: { userId, tenantId: metadata.tenantId, profile: input.profile, active: input.active } },
      loaded.state,
    );
    const result = await this.streams.append(userId, events, loaded.revision, metadata);
    await this.write.visible(result.position, context.requestId);
    return viewAfter(loaded, events, result.nextExpectedRevision, metadata.now);
  }
}
