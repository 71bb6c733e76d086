import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Logger } from '@nestjs/common';
import { decide, emailKey } from '@scim-ledger/domain';
import { applyUserPatch, readScimUser, ScimUserInput, ScimUserResource, ScimUserView, toScimUser } from '@scim-ledger/scim';
import { RequestContext } from '../../http/request-context';
import { EmailReservations } from '../../application/address-claims/email-reservations';
import { Licences } from '../../application/provisioning/licences';
import { ExistingUserWrite } from '../existing-user-write';
import { ScimWrite } from '../scim-write';
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

/**
 * A rename (rule L3) claims the new address before it is recorded and gives
 * the old one back only after: in between, both are the user's, so a create
 * of either gets 409 and succeeds on the IdP's retry (rule L9).
 */
@CommandHandler(UpdateScimUser)
export class UpdateScimUserHandler implements ICommandHandler<UpdateScimUser, ScimUserView> {
  private readonly logger = new Logger(UpdateScimUserHandler.name);

  constructor(
    private readonly existing: ExistingUserWrite,
    private readonly reservations: EmailReservations,
    private readonly write: ScimWrite,
    private readonly licences: Licences,
  ) {}

  execute({ userId, change, ifMatch, context }: UpdateScimUser): Promise<ScimUserView> {
    const metadata = this.write.metadata(context);
    let rename: { from: string; to: string; claimed: boolean } | null = null;
    return this.write.recorded(metadata, { operation: change.kind, userName: null, userId }, async () => {
      try {
        const view = await this.existing.run(userId, ifMatch, metadata, async (loaded, user, metadata) => {
          // PATCH applies to the state just loaded, on every attempt.
          const current = toScimUser(viewAfter(loaded, [], loaded.revision as number, metadata.now), '');
          const input = wanted(change, current);
          // Every refusal is decided before the new address is claimed, so a refused rename touches no claim.
          const events = decide({ type: 'UpdateUserFromIdp', data: input }, loaded.state);
          await this.licences.ensureFor(metadata.tenantId, events);
          const [from, to] = [emailKey(user.profile.userName), emailKey(input.profile.userName)];
          rename = from === to ? null : { from, to, claimed: (await this.reservations.reserveFor(to, userId, metadata)) || rename?.claimed === true };
          return events;
        });
        if (rename) await this.giveBack(rename.from, userId, metadata);
        return view;
      } catch (error) {
        // The rename was not recorded: the new address goes back if this request claimed it.
        if (rename?.claimed) await this.giveBack(rename.to, userId, metadata);
        throw error;
      }
    });
  }

  private async giveBack(key: string, userId: string, metadata: ReturnType<ScimWrite['metadata']>): Promise<void> {
    try {
      await this.reservations.release(key, userId, metadata);
    } catch (error) {
      // The claim goes stale once the user no longer owns the address (rule L9), so nothing is lost.
      this.logger.warn(`request ${metadata.requestId}: could not release an address: ${(error as Error).message}`);
    }
  }
}

function wanted(change: UpdateScimUser['change'], current: ScimUserResource): ScimUserInput {
  return change.kind === 'replace' ? readScimUser(change.body) : applyUserPatch(current, change.body);
}
