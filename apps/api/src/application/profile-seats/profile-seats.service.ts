import { Inject, Injectable } from '@nestjs/common';
import {
  CommandMetadata,
  decideProfileSeat,
  foldProfileSeats,
  isProfileSeatEvent,
  Profile,
  PROFILE_SEAT_EVENT_SCHEMA_VERSIONS,
  ProfileFull,
  ProfileSeatCommand,
  ProfileSeatEvent,
  ProfileSeats,
  profileSeatsStreamId,
  seatIsStale,
  seatsAfter,
} from '@scim-ledger/domain';
import { AppendResult, EVENT_STORE, EventStore, ExpectedRevision, StreamWrite, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { DecidedStreams, StreamKind } from '../event-sourcing/decided-streams';
import { UserStreams } from '../users/user-streams';
import { StreamTurns } from '../event-sourcing/stream-turns';

export const PROFILE_SEATS: StreamKind<ProfileSeats, ProfileSeatEvent> = {
  isEvent: isProfileSeatEvent,
  fold: (events, state) => (state ? seatsFoldedOnto(state, events) : foldProfileSeats(events)),
  // A seat holder weighs far less than a user's state; a profile of 16 users weighs one more.
  cacheSize: (seats) => 1 + (seats.holders?.size ?? 0) / 16,
  schemaVersions: PROFILE_SEAT_EVENT_SCHEMA_VERSIONS,
};

/** How many times a seat claim that lost a race decides again: the profile's creates all meet here. */
const MAX_ATTEMPTS = 50;

/**
 * Seats in a profile (rule M5). Taking one reads only the stream's last event
 * while the profile has room; when it looks full, the whole stream is folded
 * and seats whose users are gone or never came are freed first.
 *
 * Every create of a profile appends to its one seat stream at an exact
 * revision, so of creates that read the same revision only one commits. In
 * this process they take turns instead: each reads the seats after the
 * previous one's commit, and none is wasted on a lost race. Races with other
 * processes are still settled by the expected revision and a retry.
 */
@Injectable()
export class ProfileSeatsService {
  /** Seat claims on one profile's stream take turns in this process. */
  private readonly turns = new StreamTurns();

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly streams: DecidedStreams,
    private readonly users: UserStreams,
  ) {}

  /**
   * Decides a seat for `userId` and hands its write (null: the user holds
   * one already) to `commit`, which appends it together with the create's
   * other claims. A commit that loses the seat stream's race is tried again
   * on fresh seats; ProfileFull and every other error reach the caller.
   */
  async withSeat(
    tenantId: string,
    profile: Profile,
    userId: string,
    metadata: CommandMetadata,
    commit: (seat: StreamWrite | null) => Promise<AppendResult[]>,
  ): Promise<AppendResult[]> {
    const streamId = profileSeatsStreamId(tenantId, profile.profileId);
    const take = (staleHolders: readonly string[]): ProfileSeatCommand => ({
      type: 'TakeProfileSeat',
      data: { profileId: profile.profileId, userId, maxUsers: profile.maxUsers, now: metadata.now, staleHolders },
    });
    return this.retrying(streamId, () =>
      this.turns.inTurn(streamId, async () => {
        const last = await this.eventStore.readLastEvent(streamId);
        const revision: ExpectedRevision = last ? last.revision : 'no_stream';
        const seats = seatsAfter(last && isProfileSeatEvent(last) ? (last as unknown as ProfileSeatEvent) : null);
        let events: ProfileSeatEvent[];
        try {
          events = decideProfileSeat(take([]), seats);
        } catch (error) {
          if (!(error instanceof ProfileFull)) throw error;
          // Full by the count: look at who holds the seats before refusing.
          const whole = await this.streams.load(streamId, PROFILE_SEATS);
          const stale = await this.staleHolders(whole.state, profile.profileId, metadata.now);
          return commit(this.write(streamId, decideProfileSeat(take(stale), whole.state), whole.revision, metadata));
        }
        return commit(this.write(streamId, events, revision, metadata));
      }),
    );
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

  /** Only a lost race on the seat stream itself is decided again here; a stale email claim is the caller's. */
  private async retrying<T>(streamId: string, attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || error.streamId !== streamId || n >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}

/**
 * foldProfileSeats carried on from a fold: every create of a profile appends
 * to its seat stream, so a release (each permanent deletion) would otherwise
 * fold every seat ever taken. The kept holders are copied, never changed.
 */
function seatsFoldedOnto(seats: ProfileSeats, events: readonly ProfileSeatEvent[]): ProfileSeats {
  if (events.length === 0) return seats;
  if (!seats.holders) throw new Error('only a whole fold of a seat stream can be carried on');
  const holders = new Map(seats.holders);
  for (const event of events) {
    if (event.type === 'ProfileSeatTaken') holders.set(event.data.userId, event.data.takenAt);
    else holders.delete(event.data.userId);
  }
  return { seatsInUse: holders.size, holders };
}
