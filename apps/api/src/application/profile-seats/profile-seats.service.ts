import { Inject, Injectable } from '@nestjs/common';
import {
  CommandMetadata,
  decideProfileSeat,
  isProfileSeatEvent,
  isRefusal,
  Profile,
  ProfileSeatCommand,
  ProfileSeatEvent,
  ProfileSeats,
  profileSeatsStream,
  profileSeatsStreamId,
  seatIsStale,
  seatsAfter,
} from '@scim-ledger/domain';
import { EVENT_STORE, EventStore, ExpectedRevision, StreamWrite } from '@scim-ledger/event-store';
import { DecidedStreams, streamKindOf } from '../event-sourcing/decided-streams';
import { UserStreams } from '../users/user-streams';

// A seat holder weighs far less than a user's state; a profile of 16 users weighs one more.
export const PROFILE_SEATS = streamKindOf(profileSeatsStream, (seats) => 1 + (seats.holders?.size ?? 0) / 16);

/**
 * Seats in a profile (rule M5). Taking one reads only the stream's last event
 * while the profile has room; when it looks full, the whole stream is folded
 * and seats whose users are gone or never came are freed first.
 *
 * Every create of a profile appends to its one seat stream at an exact
 * revision, so of creates that read the same revision only one commits; the
 * create (UserCreation) appends the seat with its other writes and decides
 * again when it loses.
 */
@Injectable()
export class ProfileSeatsService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly streams: DecidedStreams,
    private readonly users: UserStreams,
  ) {}

  /**
   * The write that takes a seat for `userId`, decided on the seats as they
   * are now; null when the user holds one already. Throws the refusal ProfileFull.
   */
  async decideSeat(tenantId: string, profile: Profile, userId: string, metadata: CommandMetadata): Promise<StreamWrite | null> {
    const streamId = profileSeatsStreamId(tenantId, profile.profileId);
    const take = (staleHolders: readonly string[]): ProfileSeatCommand => ({
      type: 'TakeProfileSeat',
      data: { profileId: profile.profileId, userId, maxUsers: profile.maxUsers, now: metadata.now, staleHolders },
    });
    const last = await this.eventStore.readLastEvent(streamId);
    const revision: ExpectedRevision = last ? last.revision : 'no_stream';
    const seats = seatsAfter(last && isProfileSeatEvent(last) ? (last as unknown as ProfileSeatEvent) : null);
    let events: ProfileSeatEvent[];
    try {
      events = decideProfileSeat(take([]), seats);
    } catch (error) {
      if (!isRefusal(error, 'ProfileFull')) throw error;
      // Full by the count: look at who holds the seats before refusing.
      const whole = await this.streams.load(streamId, PROFILE_SEATS);
      const stale = await this.staleHolders(whole.state, profile.profileId, metadata.now);
      return this.write(streamId, decideProfileSeat(take(stale), whole.state), whole.revision, metadata);
    }
    return this.write(streamId, events, revision, metadata);
  }

  /** Gives the seat back (a user deleted for good, or a create that failed); a no-op when it holds none. */
  async release(tenantId: string, profileId: string, userId: string, metadata: CommandMetadata): Promise<void> {
    await this.streams.decideAndAppend(
      profileSeatsStreamId(tenantId, profileId),
      PROFILE_SEATS,
      (loaded) => decideProfileSeat({ type: 'ReleaseProfileSeat', data: { profileId, userId } }, loaded.state),
      metadata,
    );
  }

  private write(streamId: string, events: ProfileSeatEvent[], revision: ExpectedRevision, metadata: CommandMetadata): StreamWrite | null {
    return events.length > 0 ? this.streams.write(streamId, PROFILE_SEATS, events, revision, metadata) : null;
  }

  private async staleHolders(seats: ProfileSeats, profileId: string, now: string): Promise<string[]> {
    const stale: string[] = [];
    for (const [userId, takenAt] of seats.holders ?? []) {
      const user = (await this.users.load(userId)).state;
      const exists = user.status === 'Active' || user.status === 'Preserved';
      const holder = {
        takenAt,
        userExists: user.status !== 'Initial',
        userDeleted: user.status === 'Deleted',
        userProfileId: exists ? (user.placement?.profileId ?? null) : null,
      };
      if (seatIsStale(holder, profileId, now)) stale.push(userId);
    }
    return stale;
  }
}
