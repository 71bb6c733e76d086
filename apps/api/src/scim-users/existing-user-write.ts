import { Injectable } from '@nestjs/common';
import { CommandMetadata, KnownUser, UserEvent } from '@scim-ledger/domain';
import { WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { ScimError, ScimUserView, versionOf } from '@scim-ledger/scim';
import { RequestContext } from '../http/request-context';
import { ScimWrite } from './scim-write';
import { LoadedUser, UserStreams, viewAfter } from './user-streams';

/** How many times a write without If-Match re-decides on fresh state after losing a race. */
const MAX_ATTEMPTS = 10;

export type KnownUserState = KnownUser;

/**
 * The loop every write to an existing user runs: load, check tenant and
 * If-Match, decide, append at the loaded revision. Entra ID and Okta never
 * send If-Match, so a write that loses a race decides again on the fresh
 * state (a PATCH is re-applied: nothing is lost); with If-Match it gets 412.
 */
@Injectable()
export class ExistingUserWrite {
  constructor(
    private readonly streams: UserStreams,
    private readonly write: ScimWrite,
  ) {}

  async run(
    userId: string,
    ifMatch: string | undefined,
    context: RequestContext,
    decideOn: (loaded: LoadedUser, user: KnownUserState, metadata: CommandMetadata) => Promise<UserEvent[]>,
  ): Promise<ScimUserView> {
    const metadata = this.write.metadata(context);
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.streams.load(userId);
      const user = visibleTo(loaded, metadata.tenantId);
      const revision = loaded.revision as number;
      if (ifMatch !== undefined && !etagMatches(ifMatch, revision)) throw staleVersion();
      const events = await decideOn(loaded, user, metadata);
      // A change that changes nothing emits nothing (shared/STYLE.md point 3).
      if (events.length === 0) return viewAfter(loaded, [], revision, metadata.now);
      try {
        const result = await this.streams.append(userId, events, revision, metadata);
        await this.write.visible(result.position, context.requestId);
        return viewAfter(loaded, events, result.nextExpectedRevision, metadata.now);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (ifMatch !== undefined) throw staleVersion();
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}

const staleVersion = () => new ScimError(412, 'the user changed since the version in If-Match');

/** Users of other tenants and users deleted in the IdP are not found, alike (RFC 7644 §3.6). */
function visibleTo(loaded: LoadedUser, tenantId: string): KnownUserState {
  const { state } = loaded;
  if (state.status === 'Initial' || state.status === 'Deleted' || state.tenantId !== tenantId || (state.status === 'Preserved' && state.deletedInIdp)) {
    throw new ScimError(404, 'User not found');
  }
  return state;
}

/** If-Match may list several tags or `*` (RFC 7232 §3.1). */
function etagMatches(header: string, revision: number): boolean {
  const wanted = versionOf(revision);
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === wanted || t === wanted.slice(2);
  });
}
