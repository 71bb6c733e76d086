import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  applyUserPatch,
  keptAttributesIfReadable,
  KeptAttributesAsSent,
  readScimUser,
  ScimUserInput,
  ScimUserResource,
  ScimUserView,
  toScimUser,
  withDerivedEmailsKept,
} from '@scim-ledger/scim';
import { RequestContext } from '../../http/request-context';
import { IdpUserUpdate } from '../../application/users/idp-user-update';
import { ExistingUserWrite } from '../existing-user-write';
import { noteIgnored, ScimWrite, tracedIn } from '../../http/scim-write';
import { viewAfter } from '../../application/users/user-streams';

/** PUT (whole resource) and PATCH (operations) both end as "the IdP wants this profile and status". */
export class UpdateScimUser {
  constructor(
    readonly userId: string,
    readonly change: { readonly kind: 'replace' | 'patch'; readonly body: unknown },
    readonly ifMatch: string | undefined,
    readonly context: RequestContext,
  ) {}
}

/** The SCIM side of an update: the request read as the profile and status the IdP wants; the rename's claims are IdpUserUpdate's. */
@CommandHandler(UpdateScimUser)
export class UpdateScimUserHandler implements ICommandHandler<UpdateScimUser, ScimUserView> {
  constructor(
    private readonly existing: ExistingUserWrite,
    private readonly updates: IdpUserUpdate,
    private readonly write: ScimWrite,
  ) {}

  execute({ userId, change, ifMatch, context }: UpdateScimUser): Promise<ScimUserView> {
    const metadata = this.write.metadata(context);
    const kept = change.kind === 'replace' ? keptAttributesIfReadable(change.body) : null;
    noteIgnored(metadata, kept?.notKept ?? []);
    return this.write.recorded(metadata, { operation: change.kind, userName: null, userId }, async () => {
      const decided = await this.updates.update(
        userId,
        // PATCH applies to the state just loaded, on every attempt.
        (loaded) => tracedIn(metadata, wanted(change, toScimUser(viewAfter(loaded, [], loaded.revision as number, metadata.now), ''), kept)),
        this.existing.guard(ifMatch, metadata),
        metadata,
      );
      return this.existing.answer(decided, metadata);
    });
  }
}

function wanted(change: UpdateScimUser['change'], current: ScimUserResource, kept: KeptAttributesAsSent | null): ScimUserInput {
  return change.kind === 'replace' ? withDerivedEmailsKept(current, readScimUser(change.body, kept ?? undefined)) : applyUserPatch(current, change.body);
}
