import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CommandMetadata,
  decide,
  DomainRefused,
  emailKey,
  IdpAttributes,
  initialUserState,
  Placed,
  placeNewUser,
  Profile,
  profileSeatsStreamId,
  UserCommand,
  UserEvent,
  UserPlacement,
  WantedProfile,
} from '@scim-ledger/domain';
import { AppendResult, EVENT_STORE, EventStore, StreamsPartlyAppendedError, StreamWrite, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { newUserId } from '@scim-ledger/platform';
import { EmailReservations, LoadedReservation } from '../address-claims/email-reservations';
import { ReadYourWrites } from '../event-sourcing/read-your-writes';
import { StreamTurns } from '../event-sourcing/stream-turns';
import { ProfileSeatsService } from '../profile-seats/profile-seats.service';
import { TenantCommands } from '../tenants/tenant-commands';
import { LoadedUser, UserStreams } from '../users/user-streams';
import { Licences } from './licences';

/**
 * A user the IdP assigned to the app (rule L1), or one an administrator made
 * by hand (manual provisioning), as the request brings it: the user decider
 * derives a display name absent from the name (rule L1).
 */
export type NewUser =
  | { readonly by: 'idp'; readonly profile: WantedProfile; readonly active: boolean; readonly idpAttributes: IdpAttributes }
  | { readonly by: 'admin'; readonly profile: WantedProfile };

/** The user's stream as the create decided on it, what it appended there, and the revision it is at now. */
export interface CreatedUser {
  readonly loaded: LoadedUser;
  readonly events: readonly UserEvent[];
  readonly revision: number;
}

/**
 * What one attempt decided: the user's events, and the claims to decide with
 * them at append time (the address, a seat in this profile), or null where
 * the user needs none.
 */
interface DecidedCreate {
  readonly loaded: LoadedUser;
  readonly events: readonly UserEvent[];
  readonly address: LoadedReservation | null;
  readonly seatIn: Profile | null;
}

/** A create's stream writes, in append order (address claim, seat, user), with the claims among them. */
interface CreateWrites {
  readonly writes: readonly StreamWrite[];
  readonly userId: string;
  /** The profile whose seat the writes take, if they take one. */
  readonly seatOf: string | null;
  /** The address (emailKey) the writes claim, if they claim it. */
  readonly addressKey: string | null;
}

/** A create that lost a race decides again on fresh state; past this many it gives up (409). Every create of a profile meets on its seat stream. */
const MAX_ATTEMPTS = 50;

/**
 * Creates a user: the IdP's (SCIM POST) and the administrator's alike. Each
 * attempt decides its writes first, as data: the address claim (rules L8,
 * L9), a seat in the profile the mapping chose (rule M5) and the user's
 * stream, each at the revision it read, then appends them once, so that of
 * concurrent creates of one address or into one last seat exactly one wins;
 * the others lose a race and decide again here, in the one retry loop.
 *
 * SQLite and PostgreSQL append the writes in one commit
 * (EventStore.atomicMultiStreamAppend). EventStoreDB appends them in order,
 * one by one: a create that fails there after a claim gives it back, and one
 * that dies in between leaves a claim that goes stale after its lease and is
 * taken over.
 */
@Injectable()
export class UserCreation {
  private readonly logger = new Logger(UserCreation.name);
  /**
   * Creates into one profile take turns on its seat stream in this process:
   * each decides on the seats after the previous one's commit, so none is
   * wasted on a lost race. Other processes are met by the expected revision.
   */
  private readonly seatTurns = new StreamTurns();

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly users: UserStreams,
    private readonly reservations: EmailReservations,
    private readonly seats: ProfileSeatsService,
    private readonly tenants: TenantCommands,
    private readonly licences: Licences,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async create(user: NewUser, metadata: CommandMetadata): Promise<CreatedUser> {
    const key = emailKey(user.profile.userName);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.append(await this.decide(key, user, metadata), metadata);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async decide(key: string, user: NewUser, metadata: CommandMetadata): Promise<DecidedCreate> {
    const reservation = await this.reservations.load(key);
    const holder = reservation.stream.state.holder;
    // An administrator's create never takes over an address's owner: the claim refuses it (rule L8).
    if (user.by === 'idp' && holder && reservation.holderOwnsIt) {
      // Rule L8: an address is unique across all tenants.
      if (holder.tenantId !== metadata.tenantId) {
        throw new DomainRefused('EmailTaken', `${user.profile.userName} belongs to a user of another tenant`, { holder });
      }
      return this.decideForOwner(await this.users.load(holder.userId), user, metadata);
    }
    return user.by === 'idp' ? this.decideNewFromIdp(reservation, user, metadata) : this.decideNewByAdmin(reservation, user, metadata);
  }

  /** Rules L5 and L7: the address's owner in this tenant is re-assigned or adopted, never duplicated. */
  private async decideForOwner(loaded: LoadedUser, user: Extract<NewUser, { by: 'idp' }>, metadata: CommandMetadata): Promise<DecidedCreate> {
    const state = loaded.state;
    const needsPlace = state.status !== 'Initial' && state.status !== 'Deleted' && state.provisionedBy === 'admin' && state.placement === null;
    const placed = needsPlace ? await this.place(user.idpAttributes, metadata) : null;
    const events = decide(fromIdp(loaded.userId, user, placed?.placement ?? null, metadata), state);
    await this.licences.ensureFor(metadata.tenantId, events);
    return { loaded, events, address: null, seatIn: placed?.profile ?? null };
  }

  private async decideNewFromIdp(address: LoadedReservation, user: Extract<NewUser, { by: 'idp' }>, metadata: CommandMetadata): Promise<DecidedCreate> {
    const { state: tenant } = await this.tenants.load(metadata.tenantId);
    // Rules M2–M4, M6: the tenant's mappings, in order, on the attributes the IdP sent.
    const placed = placeNewUser(tenant, user.idpAttributes);
    const loaded = newUserStream();
    const events = decide(fromIdp(loaded.userId, user, placed.placement, metadata), initialUserState);
    await this.licences.ensure(tenant, user.active ? 'add-active' : 'add-preserved');
    return { loaded, events, address, seatIn: placed.profile };
  }

  /** Rule L8 holds for users made by hand too; they have no placement, so no seat. */
  private async decideNewByAdmin(address: LoadedReservation, user: Extract<NewUser, { by: 'admin' }>, metadata: CommandMetadata): Promise<DecidedCreate> {
    await this.licences.ensure((await this.tenants.load(metadata.tenantId)).state, 'add-active');
    const loaded = newUserStream();
    const command: UserCommand = { type: 'CreateUserByAdmin', data: { userId: loaded.userId, tenantId: metadata.tenantId, profile: user.profile } };
    return { loaded, events: decide(command, initialUserState), address, seatIn: null };
  }

  private async place(attributes: IdpAttributes, metadata: CommandMetadata): Promise<Placed> {
    const { state } = await this.tenants.load(metadata.tenantId);
    return placeNewUser(state, attributes);
  }

  /**
   * Decides the claims (seat, then address) into the list of stream writes,
   * the user's last, and appends it once. Writes are made afresh for each
   * attempt: EventStoreDB takes a repeated event id for an idempotent retry,
   * and would answer a claim given back in between as still appended.
   */
  private async append(decided: DecidedCreate, metadata: CommandMetadata): Promise<CreatedUser> {
    const { loaded, events, seatIn } = decided;
    const appendOnce = async () => this.appendAll(await this.writesOf(decided, metadata), metadata);
    const results = seatIn ? await this.seatTurns.inTurn(profileSeatsStreamId(metadata.tenantId, seatIn.profileId), appendOnce) : await appendOnce();
    const result = results[results.length - 1];
    // The user exists from here on: nothing after this point may give its claims back.
    await this.readYourWrites.visible(result.position, metadata.requestId);
    return { loaded, events, revision: result.nextExpectedRevision };
  }

  /** The create's writes, each at the revision it was decided on, and the claims among them to give back should the user's fail. */
  private async writesOf({ loaded, events, address, seatIn }: DecidedCreate, metadata: CommandMetadata): Promise<CreateWrites> {
    const seat = seatIn ? await this.seats.decideSeat(metadata.tenantId, seatIn, loaded.userId, metadata) : null;
    const claim = address ? this.reservations.claim(address, loaded.userId, metadata) : null;
    const user = this.users.write(loaded.userId, events, loaded.revision, metadata);
    return {
      writes: [claim, seat, user].filter((write): write is StreamWrite => write !== null),
      userId: loaded.userId,
      seatOf: seat && seatIn ? seatIn.profileId : null,
      addressKey: claim && address ? address.key : null,
    };
  }

  /** In one commit where the store can; a store that appends stream by stream may fail after some claims, which are given back. */
  private async appendAll({ writes, userId, seatOf: profileId, addressKey: emailKey }: CreateWrites, metadata: CommandMetadata): Promise<AppendResult[]> {
    try {
      return await this.eventStore.appendToStreams(writes);
    } catch (error) {
      if (!(error instanceof StreamsPartlyAppendedError)) throw error;
      // Only a store without atomicMultiStreamAppend (EventStoreDB) gets here: the user was not appended.
      if (profileId !== null && error.appended.includes(profileSeatsStreamId(metadata.tenantId, profileId))) {
        await this.giveBack(() => this.seats.release(metadata.tenantId, profileId, userId, metadata), metadata);
      }
      if (emailKey !== null && error.appended.includes(this.reservations.streamOf(emailKey))) {
        await this.giveBack(() => this.reservations.release(emailKey, userId, metadata), metadata);
      }
      throw error.cause;
    }
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

function newUserStream(): LoadedUser {
  return { userId: newUserId(), state: initialUserState, revision: 'no_stream', created: null, lastModified: null };
}

function fromIdp(userId: string, user: Extract<NewUser, { by: 'idp' }>, placement: UserPlacement | null, metadata: CommandMetadata): UserCommand {
  return {
    type: 'CreateUser',
    data: { userId, tenantId: metadata.tenantId, profile: user.profile, active: user.active, placement, idpAttributes: user.idpAttributes },
  };
}
