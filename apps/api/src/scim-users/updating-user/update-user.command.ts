import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decide, UserState } from '@scim-ledger/domain';
import { WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { applyUserPatch, readScimUser, ScimError, ScimUserInput, ScimUserResource, ScimUserView, toScimUser, versionOf } from '@scim-ledger/scim';
import { RequestContext } from '../../http/request-context';
import { ScimWrite } from '../scim-write';
import { ScimUsersReadModel } from '../scim-users.read-model';
import { LoadedUser, UserStreams, viewAfter } from '../user-streams';

/** How many times a write without If-Match re-decides on fresh state after losing a race. */
const MAX_ATTEMPTS = 10;

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
    private readonly streams: UserStreams,
    private readonly users: ScimUsersReadModel,
    private readonly write: ScimWrite,
  ) {}

  async execute({ userId, change, ifMatch, context }: UpdateScimUser): Promise<ScimUserView> {
    const metadata = this.write.metadata(context);
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.streams.load(userId);
      const current = visibleTo(loaded, metadata.tenantId);
      if (ifMatch !== undefined && !etagMatches(ifMatch, loaded.revision as number)) {
        throw new ScimError(412, 'the user changed since the version in If-Match');
      }
      // PATCH is applied to the freshly loaded state on every attempt, so a retry never loses a concurrent change.
      const resource = toScimUser(viewAfter(loaded, [], loaded.revision as number, metadata.now), '');
      const input = wanted(change, resource);
      if (input.profile.userName.toLowerCase() !== current.profile.userName.toLowerCase() &&
          (await this.users.userNameTaken(metadata.tenantId, input.profile.userName, userId))) {
        throw new ScimError(409, `userName ${input.profile.userName} is already taken in this tenant`, 'uniqueness');
      }
      const events = decide({ type: 'UpdateUserFromIdp', data: input }, loaded.state);
      // A change that changes nothing emits nothing (shared/STYLE.md point 3).
      if (events.length === 0) return viewAfter(loaded, [], loaded.revision as number, metadata.now);
      try {
        const result = await this.streams.append(userId, events, loaded.revision, metadata);
        await this.write.visible(result.position, context.requestId);
        return viewAfter(loaded, events, result.nextExpectedRevision, metadata.now);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (ifMatch !== undefined) throw new ScimError(412, 'the user changed since the version in If-Match');
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}

function wanted(change: UpdateScimUser['change'], current: ScimUserResource): ScimUserInput {
  return change.kind === 'replace' ? readScimUser(change.body) : applyUserPatch(current, change.body);
}

/** Users of other tenants and users deleted in the IdP are not found, alike (RFC 7644 §3.6). */
export function visibleTo(loaded: LoadedUser, tenantId: string): Exclude<UserState, { status: 'Initial' }> {
  const { state } = loaded;
  if (state.status === 'Initial' || state.tenantId !== tenantId || (state.status === 'Preserved' && state.deletedInIdp)) {
    throw new ScimError(404, 'User not found');
  }
  return state;
}

/** If-Match may list several tags or `*` (RFC 7232 §3.1). */
export function etagMatches(header: string, revision: number): boolean {
  const wanted = versionOf(revision);
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === wanted || t === wanted.slice(2);
  });
}
