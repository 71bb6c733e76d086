import { Injectable, Logger } from '@nestjs/common';
import { CommandMetadata, decide, emailKey, KnownUser, UserCommand, UserEvent, UserState } from '@scim-ledger/domain';
import { WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { EmailReservations } from '../address-claims/email-reservations';
import { Decided } from '../event-sourcing/decided-streams';
import { Licences } from '../provisioning/licences';
import { LoadedUser, UserStreams } from './user-streams';

/** What the IdP wants an existing user to be: its whole profile and status (a PUT, or a PATCH applied to the user as loaded). */
export type IdpUserChange = Extract<UserCommand, { type: 'UpdateUserFromIdp' }>['data'];

/** A rename's two addresses (emailKey), when a change moves the user to another one (rule L3). */
export interface AddressChange {
  readonly from: string;
  readonly to: string;
}

export function addressChangeOf(user: KnownUser, change: IdpUserChange): AddressChange | null {
  const [from, to] = [emailKey(user.profile.userName), emailKey(change.profile.userName)];
  return from === to ? null : { from, to };
}

/** How the caller's protocol guards a write: who may see the user (and its version), and whether a lost race decides again. */
export interface WriteGuard {
  readonly admit: (loaded: LoadedUser) => KnownUser;
  readonly retry: (conflict: WrongExpectedRevisionError) => boolean;
}

/**
 * The IdP's update of an existing user (SCIM PUT and PATCH alike): decide on
 * the user as loaded, check the licences a reactivation needs (rule L10),
 * and append, deciding again after a lost race.
 *
 * A rename (rule L3) claims the new address before it is recorded and gives
 * the old one back only after: in between, both are the user's, so a create
 * of either gets 409 and succeeds on the IdP's retry (rule L9). Every refusal
 * is decided before the claim, so a refused rename touches no address; a
 * rename that is not recorded gives back the address it claimed.
 */
@Injectable()
export class IdpUserUpdate {
  private readonly logger = new Logger(IdpUserUpdate.name);

  constructor(
    private readonly users: UserStreams,
    private readonly reservations: EmailReservations,
    private readonly licences: Licences,
  ) {}

  async update(
    userId: string,
    /** Read on every attempt: a PATCH applies to the user as just loaded, so nothing a racing write did is lost. */
    wanted: (loaded: LoadedUser) => IdpUserChange,
    guard: WriteGuard,
    metadata: CommandMetadata,
  ): Promise<Decided<UserState, UserEvent> & { readonly loaded: LoadedUser }> {
    // The attempts' rename, kept across them: a claim an earlier attempt made stays this request's to give back.
    const attempts: { rename: (AddressChange & { readonly claimed: boolean }) | null } = { rename: null };
    try {
      const decided = await this.users.decideAndAppend(
        userId,
        async (loaded) => {
          const user = guard.admit(loaded);
          const change = wanted(loaded);
          const events = decide({ type: 'UpdateUserFromIdp', data: change }, loaded.state);
          await this.licences.ensureFor(metadata.tenantId, events);
          const address = addressChangeOf(user, change);
          const claimed = address !== null && ((await this.reservations.reserveFor(address.to, userId, metadata)) || attempts.rename?.claimed === true);
          attempts.rename = address && { ...address, claimed };
          return events;
        },
        metadata,
        guard.retry,
      );
      if (attempts.rename) await this.giveBack(attempts.rename.from, userId, metadata);
      return decided;
    } catch (error) {
      // The rename was not recorded: the new address goes back if this request claimed it.
      if (attempts.rename?.claimed) await this.giveBack(attempts.rename.to, userId, metadata);
      throw error;
    }
  }

  private async giveBack(key: string, userId: string, metadata: CommandMetadata): Promise<void> {
    try {
      await this.reservations.release(key, userId, metadata);
    } catch (error) {
      // The claim goes stale once the user no longer owns the address (rule L9), so nothing is lost.
      this.logger.warn(`request ${metadata.requestId}: could not release an address: ${(error as Error).message}`);
    }
  }
}
