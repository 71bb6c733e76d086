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
import { EVENT_STORE, EventStore, ExpectedRevision, WrongExpectedRevisionError } from '@scim-ledger/event-store';
import { DecidedStreams, StreamKind } from '../event-sourcing/decided-streams';
import { UserStreams } from '../scim-users/user-streams';

const PROFILE_SEATS: StreamKind<ProfileSeats, ProfileSeatEvent> = {
  isEvent: isProfileSeatEvent,
  fold: foldProfileSeats,
  schemaVersions: PROFILE_SEAT_EVENT_SCHEMA_VERSIONS,
};

/** How many times a seat claim that lost a race decides again: the profile's creates all meet here. */
const MAX_ATTEMPTS = 50;

/**
 * Seats in a profile (rule M5). Taking one reads only the stream's last event
 * while the profile has room; when it looks full, the whole stream is folded
 * and seats whose users are gone or never came are freed first.
 */
@Injectable()
export class ProfileSeatsService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly streams: DecidedStreams,
    private readonly users: UserStreams,
  ) {}

  async take(tenantId: string, profile: Profile, userId: string, metadata: CommandMetadata): Promise<void> {
    const streamId = profileSeatsStreamId(tenantId, profile.profileId);
    const take = (staleHolders: readonly string[]): ProfileSeatCommand => ({
      type: 'TakeProfileSeat',
      data: { profileId: profile.profileId, userId, maxUsers: profile.maxUsers, now: metadata.now, staleHolders },
    });
    await this.retrying(async () => {
      const last = await this.eventStore.readLastEvent(streamId);
      const revision: ExpectedRevision = last ? last.revision : 'no_stream';
      const seats = seatsAfter(last && isProfileSeatEvent(last) ? (last as unknown as ProfileSeatEvent) : null);
      try {
        return await this.append(streamId, decideProfileSeat(take([]), seats), revision, metadata);
      } catch (error) {
        if (!(error instanceof ProfileFull)) throw error;
      }
      // Full by the count: look at who holds the seats before refusing.
      const whole = await this.streams.load(streamId, PROFILE_SEATS);
      const stale = await this.staleHolders(whole.state, profile.profileId, metadata.now);
      return this.append(streamId, decideProfileSeat(take(stale), whole.state), whole.revision, metadata);
    });
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

  private async append(streamId: string, events: ProfileSeatEvent[], revision: ExpectedRevision, metadata: CommandMetadata) {
    if (events.length > 0) await this.streams.append(streamId, PROFILE_SEATS, events, revision, metadata);
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

  private async retrying(attempt: () => Promise<void>): Promise<void> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || n >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}
