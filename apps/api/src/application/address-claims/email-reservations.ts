import { Injectable } from '@nestjs/common';
import {
  addressClaimStreamId,
  addressDigest,
  CommandMetadata,
  decideEmailReservation,
  EmailReservationState,
  emailReservationStream,
  holdsEmail,
} from '@scim-ledger/domain';
import { StreamWrite } from '@scim-ledger/event-store';
import { DecidedStreams, LoadedStream, streamKindOf } from '../event-sourcing/decided-streams';
import { UserStreams } from '../users/user-streams';

const EMAIL_RESERVATIONS = streamKindOf(emailReservationStream);

/** An address's reservation, with what its holder's own stream says (rules L8, L9). */
export interface LoadedReservation {
  /** The address as compared (emailKey); kept in memory only. */
  readonly key: string;
  readonly stream: LoadedStream<EmailReservationState>;
  /** Whether the holder, as its stream stands, owns the address; false without a holder. */
  readonly holderOwnsIt: boolean;
}

/**
 * Reserves and releases email addresses through their own streams. A reserve
 * appends at the revision it read, so of two writers that read a free address
 * only one succeeds; the other decides again and finds it taken.
 */
@Injectable()
export class EmailReservations {
  constructor(
    private readonly streams: DecidedStreams,
    private readonly users: UserStreams,
  ) {}

  async load(key: string): Promise<LoadedReservation> {
    const stream = await this.streams.load(streamOf(key), EMAIL_RESERVATIONS);
    const holder = stream.state.holder;
    const holderOwnsIt = holder ? holdsEmail((await this.users.load(holder.userId)).state, key) : false;
    return { key, stream, holderOwnsIt };
  }

  /**
   * The write that reserves `key` for `userId`, decided on exactly what was
   * loaded and appended with the create's other writes: a lost race throws
   * WrongExpectedRevisionError naming this stream, and the caller decides
   * again. Null when the user holds it already.
   */
  claim(loaded: LoadedReservation, userId: string, metadata: CommandMetadata): StreamWrite | null {
    const events = decideEmailReservation(
      {
        type: 'ReserveEmail',
        data: { email: addressDigest(loaded.key), userId, tenantId: metadata.tenantId, now: metadata.now, holderOwnsIt: loaded.holderOwnsIt },
      },
      loaded.stream.state,
    );
    return events.length === 0 ? null : this.streams.write(streamOf(loaded.key), EMAIL_RESERVATIONS, events, loaded.stream.revision, metadata);
  }

  /** The stream of `key`'s reservation, to tell which claim a partial append left behind. */
  streamOf(key: string): string {
    return streamOf(key);
  }

  /** Loads afresh and reserves, retrying lost races: for renames, where nothing else hangs on the read. */
  async reserveFor(key: string, userId: string, metadata: CommandMetadata): Promise<boolean> {
    let reserved = false;
    await this.streams.decideAndAppend(
      streamOf(key),
      EMAIL_RESERVATIONS,
      async (stream) => {
        const holder = stream.state.holder;
        const holderOwnsIt = holder !== null && holder.userId !== userId && holdsEmail((await this.users.load(holder.userId)).state, key);
        const events = decideEmailReservation(
          { type: 'ReserveEmail', data: { email: addressDigest(key), userId, tenantId: metadata.tenantId, now: metadata.now, holderOwnsIt } },
          stream.state,
        );
        reserved = events.length > 0;
        return events;
      },
      metadata,
    );
    return reserved;
  }

  /** Frees `key` if `userId` holds it; a no-op otherwise, so compensations may repeat. */
  async release(key: string, userId: string, metadata: CommandMetadata): Promise<void> {
    await this.streams.decideAndAppend(
      streamOf(key),
      EMAIL_RESERVATIONS,
      (stream) => decideEmailReservation({ type: 'ReleaseEmail', data: { email: addressDigest(key), userId } }, stream.state),
      metadata,
    );
  }
}

function streamOf(key: string): string {
  return addressClaimStreamId(key);
}
