import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainRefused, firstCharacters, NO_MAPPING_MATCHED, TEXT_WIDTH } from '@scim-ledger/domain';
import { idpAttributesOf, readScimUser, ScimUserView } from '@scim-ledger/scim';
import { NewUser, UserCreation } from '../../application/provisioning/user-creation';
import { viewAfter } from '../../application/users/user-streams';
import { RequestContext } from '../../http/request-context';
import { ScimWrite } from '../scim-write';

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
    const userName = userNameOf(body);
    return this.write.recorded(metadata, { operation: 'create', userName, userId: null }, async () => {
      const created = await this.creation.create(newUserFrom(body, userName), metadata);
      return viewAfter(created.loaded, created.events, created.revision, metadata.now);
    });
  }
}

/**
 * The user as the IdP sent it. Rule M4: without userName or displayName no
 * mapping can match; checked on the body as sent, before it is read as a
 * SCIM User, whose own refusal of a missing userName would say less.
 */
function newUserFrom(body: unknown, userName: string | null): NewUser {
  if (!userName?.trim() || !hasDisplayName(body)) throw new DomainRefused('NoMappingMatched', NO_MAPPING_MATCHED);
  const { profile, active } = readScimUser(body);
  return { by: 'idp', profile, active, idpAttributes: idpAttributesOf(body) };
}

function userNameOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const entry = Object.entries(body).find(([name]) => name.toLowerCase() === 'username');
  return typeof entry?.[1] === 'string' ? firstCharacters(entry[1], TEXT_WIDTH.userAttribute) : null;
}

function hasDisplayName(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const entry = Object.entries(body).find(([name]) => name.toLowerCase() === 'displayname');
  return typeof entry?.[1] === 'string' && entry[1].trim().length > 0;
}
