import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Logger } from '@nestjs/common';
import {
  CommandMetadata,
  decide,
  EmailReservationRefused,
  emailKey,
  firstCharacters,
  IdpAttributes,
  initialUserState,
  NO_MAPPING_MATCHED,
  Placed,
  PlacementRefused,
  placeNewUser,
  profileSeatsStreamId,
  TEXT_WIDTH,
  UserPlacement,
} from '@scim-ledger/domain';
import { AppendResult, StreamsPartlyAppendedError, StreamWrite, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { idpAttributesOf, readScimUser, ScimUserInput, ScimUserView } from '@scim-ledger/scim';
import { newUserId } from '@scim-ledger/platform';
import { TenantCommands } from '../../application/tenants/tenant-commands';
import { DecidedStreams } from '../../application/event-sourcing/decided-streams';
import { RequestContext } from '../../http/request-context';
import { EmailReservations, LoadedReservation } from '../../application/address-claims/email-reservations';
import { ProfileSeatsService } from '../../application/profile-seats/profile-seats.service';
import { Licences } from '../../application/provisioning/licences';
import { ScimWrite } from '../scim-write';
import { LoadedUser, UserStreams, viewAfter } from '../../application/users/user-streams';

/** POST /Users: the IdP assigned a user to the app (rule L1). */
export class CreateScimUser {
  constructor(
    readonly body: unknown,
    readonly context: RequestContext,
  ) {}
}

/** A create that lost a race decides again on fresh state; past this many it gives up (409). */
const MAX_ATTEMPTS = 20;

/**
 * A create claims the user's email address (rules L8, L9), a seat in the
 * profile its mapping chose (rule M5) and the user's stream, each at an
 * expected revision, so concurrent creates of one address or into one last
 * seat have exactly one winner. The three are one commit where the store can
 * (EventStore.appendToStreams). EventStoreDB appends them in this order, one
 * by one: a create that fails there after a claim gives the claim back, and
 * one that dies in between leaves a claim that goes stale after its lease
 * and is taken over.
 */
@CommandHandler(CreateScimUser)
export class CreateScimUserHandler implements ICommandHandler<CreateScimUser, ScimUserView> {
  private readonly logger = new Logger(CreateScimUserHandler.name);

  constructor(
    private readonly streams: UserStreams,
    private readonly write: ScimWrite,
    private readonly reservations: EmailReservations,
    private readonly seats: ProfileSeatsService,
    private readonly tenants: TenantCommands,
    private readonly licences: Licences,
    private readonly decided: DecidedStreams,
  ) {}

  async execute({ body, context }: CreateScimUser): Promise<ScimUserView> {
    const metadata = this.write.metadata(context);
    const userName = userNameOf(body);
    return this.write.recorded(metadata, { operation: 'create', userName, userId: null }, async () => {
      // Rule M4: without userName or displayName no mapping can match.
      if (!userName?.trim() || !hasDisplayName(body)) throw new PlacementRefused('NoMappingMatched', NO_MAPPING_MATCHED);
      const input = readScimUser(body);
      const attributes = idpAttributesOf(body);
      return this.provision(input, attributes, metadata);
    });
  }

  private async provision(input: ScimUserInput, attributes: IdpAttributes, metadata: CommandMetadata): Promise<ScimUserView> {
    const key = emailKey(input.profile.userName);
    for (let attempt = 1; ; attempt++) {
      try {
        const reservation = await this.reservations.load(key);
        const holder = reservation.stream.state.holder;
        if (holder && reservation.holderOwnsIt) {
          // Rule L8: an address is unique across all tenants.
          if (holder.tenantId !== metadata.tenantId) {
            throw new EmailReservationRefused('EmailTaken', holder, `${input.profile.userName} belongs to a user of another tenant`);
          }
          return await this.provisionExisting(await this.streams.load(holder.userId), input, attributes, metadata);
        }
        return await this.provisionNew(reservation, input, attributes, metadata);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** Rules L5 and L7: the address's owner in this tenant is re-assigned or adopted, never duplicated. */
  private async provisionExisting(loaded: LoadedUser, input: ScimUserInput, attributes: IdpAttributes, metadata: CommandMetadata) {
    const state = loaded.state;
    const needsPlace = state.status !== 'Initial' && state.status !== 'Deleted' && state.provisionedBy === 'admin' && state.placement === null;
    const placed = needsPlace ? await this.place(attributes, metadata) : null;
    const events = decide(this.createCommand(loaded.userId, input, attributes, placed?.placement ?? null, metadata), state);
    await this.licences.ensureFor(metadata.tenantId, events);
    // Writes are made afresh for each attempt: EventStoreDB takes a repeated event id for an idempotent retry.
    const user = () => this.streams.write(loaded.userId, events, loaded.revision, metadata);
    const results = placed
      ? await this.seats.withSeat(metadata.tenantId, placed.profile, loaded.userId, metadata, (seat) =>
          this.commit([seat, user()], { userId: loaded.userId, profileId: placed.profile.profileId, emailKey: null }, metadata),
        )
      : await this.commit([user()], { userId: loaded.userId, profileId: null, emailKey: null }, metadata);
    const result = results[results.length - 1];
    await this.write.visible(result.position, metadata.requestId);
    return viewAfter(loaded, events, result.nextExpectedRevision, metadata.now);
  }

  private async provisionNew(reservation: LoadedReservation, input: ScimUserInput, attributes: IdpAttributes, metadata: CommandMetadata) {
    const { state: tenant } = await this.tenants.load(metadata.tenantId);
    const placed = placeNewUser(tenant, attributes);
    const userId = newUserId();
    const events = decide(this.createCommand(userId, input, attributes, placed.placement, metadata), initialUserState);
    await this.licences.ensure(tenant, input.active ? 'add-active' : 'add-preserved');
    // A lost race on the address is decided again from the start (provision), with a fresh reservation. Writes
    // are made afresh for each attempt: EventStoreDB takes a repeated event id for an idempotent retry, and
    // would answer a claim given back in between as still appended.
    const results = await this.seats.withSeat(metadata.tenantId, placed.profile, userId, metadata, (seat) =>
      this.commit(
        [this.reservations.claim(reservation, userId, metadata), seat, this.streams.write(userId, events, 'no_stream', metadata)],
        { userId, profileId: placed.profile.profileId, emailKey: reservation.key },
        metadata,
      ),
    );
    const result = results[results.length - 1];
    // The user exists from here on: nothing after this point may give its claims back.
    await this.write.visible(result.position, metadata.requestId);
    return viewAfter({ userId, state: initialUserState, revision: 'no_stream', created: null, lastModified: null }, events, result.nextExpectedRevision, metadata.now);
  }

  /**
   * Appends the claims and the user's write last, in one commit where the
   * store can. A store that appends stream by stream may fail after some
   * claims: the user was then not appended, so those are given back.
   */
  private async commit(
    writes: readonly (StreamWrite | null)[],
    claims: { readonly userId: string; readonly profileId: string | null; readonly emailKey: string | null },
    metadata: CommandMetadata,
  ): Promise<AppendResult[]> {
    try {
      return await this.decided.appendAll(writes.filter((write): write is StreamWrite => write !== null));
    } catch (error) {
      if (!(error instanceof StreamsPartlyAppendedError)) throw error;
      const { userId, profileId, emailKey } = claims;
      if (profileId !== null && error.appended.includes(profileSeatsStreamId(metadata.tenantId, profileId))) {
        await this.giveBack(() => this.seats.release(metadata.tenantId, profileId, userId, metadata), metadata);
      }
      if (emailKey !== null && error.appended.includes(this.reservations.streamOf(emailKey))) {
        await this.giveBack(() => this.reservations.release(emailKey, userId, metadata), metadata);
      }
      throw error.cause;
    }
  }

  /** Rules M2–M4, M6: the tenant's mappings, in order, on the attributes the IdP sent. */
  private async place(attributes: IdpAttributes, metadata: CommandMetadata): Promise<Placed> {
    const { state } = await this.tenants.load(metadata.tenantId);
    return placeNewUser(state, attributes);
  }

  private createCommand(userId: string, input: ScimUserInput, idpAttributes: IdpAttributes, placement: UserPlacement | null, metadata: CommandMetadata) {
    return {
      type: 'CreateUser' as const,
      data: { userId, tenantId: metadata.tenantId, profile: input.profile, active: input.active, placement, idpAttributes },
    };
  }

  /** A compensation that fails leaves a claim that goes stale after its lease: log it, keep the original error. */
  private async giveBack(compensation: () => Promise<void>, metadata: CommandMetadata): Promise<void> {
    try {
      await compensation();
    } catch (error) {
      this.logger.warn(`request ${metadata.requestId}: could not give a claim back: ${(error as Error).message}`);
    }
  }
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
