import { Injectable } from '@nestjs/common';
import { CommandMetadata, DomainRefused, KnownUser, UserEvent, UserState } from '@scim-ledger/domain';
import { ScimError, ScimUserView, versionOf } from '@scim-ledger/scim';
import { ScimWrite } from '../http/scim-write';
import { Decided } from '../application/event-sourcing/decided-streams';
import { WriteGuard } from '../application/users/idp-user-update';
import { LoadedUser, viewAfter } from '../application/users/user-streams';

/**
 * What SCIM adds around every write to an existing user (the application's
 * UserCommands and IdpUserUpdate run it): the tenant and If-Match check, and
 * the answer. Entra ID and Okta never send If-Match, so a write that loses a
 * race decides again on the fresh state (a PATCH is re-applied: nothing is
 * lost); with If-Match it gets 412.
 */
@Injectable()
export class ExistingUserWrite {
  constructor(private readonly write: ScimWrite) {}

  /** SCIM's guard on a write: the user must be the tenant's and visible, and at the If-Match version if one was sent (else 412, never a retry). */
  guard(ifMatch: string | undefined, metadata: CommandMetadata): WriteGuard {
    return {
      admit: (loaded) => {
        const user = visibleTo(loaded, metadata.tenantId);
        if (ifMatch !== undefined && !etagMatches(ifMatch, loaded.revision as number)) throw staleVersion();
        return user;
      },
      retry: () => {
        if (ifMatch !== undefined) throw staleVersion();
        return true;
      },
    };
  }

  /** The user as the write left it, once the read model shows it (read-your-writes). */
  async answer(decided: Decided<UserState, UserEvent> & { readonly loaded: LoadedUser }, metadata: CommandMetadata): Promise<ScimUserView> {
    if (!decided.appended) return viewAfter(decided.loaded, [], decided.loaded.revision as number, metadata.now);
    await this.write.visible(decided.appended.position, metadata.requestId);
    return viewAfter(decided.loaded, decided.events, decided.appended.nextExpectedRevision, metadata.now);
  }
}

const staleVersion = () => new ScimError(412, 'the user changed since the version in If-Match');

/** Users of other tenants and users deleted in the IdP are not found, alike (RFC 7644 §3.6). */
function visibleTo(loaded: LoadedUser, tenantId: string): KnownUser {
  const { state } = loaded;
  if (state.status === 'Initial' || state.status === 'Deleted' || state.tenantId !== tenantId || (state.status === 'Preserved' && state.deletedInIdp)) {
    // A domain reason, so the refusal the audit trail records says why (rule S2); the edge answers 404.
    throw new DomainRefused('UserNotFound', 'User not found');
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
