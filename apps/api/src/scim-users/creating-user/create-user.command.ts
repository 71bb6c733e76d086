import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CommandMetadata, firstCharacters, RequiredAttributes, refuseUnmappableUser, TEXT_WIDTH } from '@scim-ledger/domain';
import { idpAttributesOf, keptAttributesIfReadable, KeptAttributesAsSent, readScimUser, requiredAttributesAsSent, ScimUserView } from '@scim-ledger/scim';
import { NewUser, UserCreation } from '../../application/provisioning/user-creation';
import { viewAfter } from '../../application/users/user-streams';
import { RequestContext } from '../../http/request-context';
import { noteIgnored, ScimWrite, tracedIn } from '../../http/scim-write';

/** POST /Users: the IdP assigned a user to the app (rule L1). */
export class CreateScimUser {
  constructor(
    readonly body: unknown,
    readonly context: RequestContext,
  ) {}
}

/** Reads the IdP's user and hands it to the one create the admin's shares (UserCreation). */
@CommandHandler(CreateScimUser)
export class CreateScimUserHandler implements ICommandHandler<CreateScimUser, ScimUserView> {
  constructor(
    private readonly creation: UserCreation,
    private readonly write: ScimWrite,
  ) {}

  async execute({ body, context }: CreateScimUser): Promise<ScimUserView> {
    const metadata = this.write.metadata(context);
    const kept = keptAttributesIfReadable(body);
    noteIgnored(metadata, kept?.notKept ?? []);
    const required = requiredAttributesAsSent(body);
    // The refusal is filed under the userName sent, cut to what the audit trail holds.
    const userName = required.userName === null ? null : firstCharacters(required.userName, TEXT_WIDTH.userAttribute);
    return this.write.recorded(metadata, { operation: 'create', userName, userId: null }, async () => {
      const created = await this.creation.create(newUserFrom(body, required, kept, metadata), metadata);
      return viewAfter(created.loaded, created.events, created.revision, metadata.now);
    });
  }
}

/**
 * The user as the IdP sent it. Rule M4 (the domain's) is judged on the
 * mandatory attributes as sent, with the name a display name derives from,
 * before the body is read as a SCIM User, whose own refusals of its shape
 * would say less. The display name kept is the user decider's (rule L1).
 */
function newUserFrom(body: unknown, required: RequiredAttributes, kept: KeptAttributesAsSent | null, metadata: CommandMetadata): NewUser {
  refuseUnmappableUser(required);
  const { profile, active } = tracedIn(metadata, readScimUser(body, kept ?? undefined));
  return { by: 'idp', profile, active, idpAttributes: idpAttributesOf(body) };
}
