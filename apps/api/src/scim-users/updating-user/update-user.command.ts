import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decide } from '@scim-ledger/domain';
import { applyUserPatch, readScimUser, ScimError, ScimUserInput, ScimUserResource, ScimUserView, toScimUser } from '@scim-ledger/scim';
import { RequestContext } from '../../http/request-context';
import { ExistingUserWrite } from '../existing-user-write';
import { ScimUsersReadModel } from '../scim-users.read-model';
import { viewAfter } from '../user-streams';

/** PUT (whole resource) and PATCH (operations) both end as "the IdP wants this profile and status". */
export class UpdateScimUser {
  constructor(
    readonly userId: string,
    readonly change: { readonly kind: 'replace' | 'patch'; readonly body: unknown },
    readonly ifMatch: string | undefined,
    readonly context: RequestContext,
  ) {}
}

@CommandHandler(UpdateScimUser)
export class UpdateScimUserHandler implements ICommandHandler<UpdateScimUser, ScimUserView> {
  constructor(
    private readonly existing: ExistingUserWrite,
    private readonly users: ScimUsersReadModel,
  ) {}

  execute({ userId, change, ifMatch, context }: UpdateScimUser): Promise<ScimUserView> {
    return this.existing.run(userId, ifMatch, context, async (loaded, user, metadata) => {
      // PATCH applies to the state just loaded, on every attempt.
      const current = toScimUser(viewAfter(loaded, [], loaded.revision as number, metadata.now), '');
      const input = wanted(change, current);
      const renamed = input.profile.userName.toLowerCase() !== user.profile.userName.toLowerCase();
      if (renamed && (await this.users.userNameTaken(metadata.tenantId, input.profile.userName, userId))) {
        throw new ScimError(409, `userName ${input.profile.userName} is already taken in this tenant`, 'uniqueness');
      }
      return decide({ type: 'UpdateUserFromIdp', data: input }, loaded.state);
    });
  }
}

function wanted(change: UpdateScimUser['change'], current: ScimUserResource): ScimUserInput {
  return change.kind === 'replace' ? readScimUser(change.body) : applyUserPatch(current, change.body);
}
