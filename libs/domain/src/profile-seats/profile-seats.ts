import { listedIn } from '../event-metadata';
import { DomainRefused } from '../domain-refused';

/**
 * Rule M5: a profile holds at most maxUsers users (0 = unlimited). Every user
 * takes a seat in its profile's stream, so a cap set later counts everyone;
 * the expected-revision check on that stream makes the last free seat go to
 * exactly one of many concurrent creates. Each event carries the seats in
 * use after it, so a writer needs only the stream's last event.
 */

/** How long a seat whose user does not exist yet stays its creator's (the create is in flight). */
export const PROFILE_SEAT_LEASE_MS = 60_000;

export interface ProfileSeatTaken {
  readonly type: 'ProfileSeatTaken';
  readonly data: { readonly profileId: string; readonly userId: string; readonly takenAt: string; readonly seatsInUse: number };
}

/** The user was deleted for good, or its create never completed. */
export interface ProfileSeatReleased {
  readonly type: 'ProfileSeatReleased';
  readonly data: { readonly profileId: string; readonly userId: string; readonly seatsInUse: number };
}

export type ProfileSeatEvent = ProfileSeatTaken | ProfileSeatReleased;

export const PROFILE_SEAT_EVENT_SCHEMA_VERSIONS: Readonly<Record<ProfileSeatEvent['type'], number>> = {
  ProfileSeatTaken: 1,
  ProfileSeatReleased: 1,
};

export function isProfileSeatEvent(event: { type: string }): event is ProfileSeatEvent {
  return listedIn(PROFILE_SEAT_EVENT_SCHEMA_VERSIONS, event);
}

export interface ProfileSeats {
  readonly seatsInUse: number;
  /** Known only when the whole stream was folded: who holds a seat since when. */
  readonly holders: ReadonlyMap<string, string> | null;
}

export const noSeatsTaken: ProfileSeats = { seatsInUse: 0, holders: new Map() };

/** The count from the last event alone: enough while the profile has room. */
export function seatsAfter(last: ProfileSeatEvent | null): ProfileSeats {
  return last ? { seatsInUse: last.data.seatsInUse, holders: null } : noSeatsTaken;
}

/**
 * One event on the seats: the holders are known only when the fold started
 * from the whole stream (noSeatsTaken); from the last event alone only the count is.
 */
export function evolveProfileSeats(seats: ProfileSeats, event: ProfileSeatEvent): ProfileSeats {
  if (!seats.holders) return { seatsInUse: event.data.seatsInUse, holders: null };
  const holders = new Map(seats.holders);
  if (event.type === 'ProfileSeatTaken') holders.set(event.data.userId, event.data.takenAt);
  else holders.delete(event.data.userId);
  return { seatsInUse: holders.size, holders };
}

/**
 * Many events folded at once, as evolveProfileSeats one by one would: the
 * holders are copied once, not once per event, since a profile may hold many
 * thousand seats and every create of it appends to its one stream. The seats
 * folded onto are never changed.
 */
export function foldProfileSeats(events: readonly ProfileSeatEvent[], seats: ProfileSeats = noSeatsTaken): ProfileSeats {
  if (events.length === 0) return seats;
  if (!seats.holders) return { seatsInUse: events[events.length - 1].data.seatsInUse, holders: null };
  const holders = new Map(seats.holders);
  for (const event of events) {
    if (event.type === 'ProfileSeatTaken') holders.set(event.data.userId, event.data.takenAt);
    else holders.delete(event.data.userId);
  }
  return { seatsInUse: holders.size, holders };
}

export type ProfileSeatCommand =
  | {
      readonly type: 'TakeProfileSeat';
      readonly data: {
        profileId: string;
        userId: string;
        maxUsers: number;
        now: string;
        /** Holders found not to need their seat (deleted, never created, placed elsewhere): freed before deciding. */
        staleHolders: readonly string[];
      };
    }
  | { readonly type: 'ReleaseProfileSeat'; readonly data: { profileId: string; userId: string } };

/** Rule M5: the profile holds its maximum of users. */
export type ProfileSeatRefusal = 'ProfileFull';

export function decideProfileSeat(command: ProfileSeatCommand, seats: ProfileSeats): ProfileSeatEvent[] {
  switch (command.type) {
    case 'TakeProfileSeat': {
      const { profileId, userId, maxUsers, now } = command.data;
      if (seats.holders?.has(userId)) return [];
      const released: ProfileSeatEvent[] = [];
      let inUse = seats.seatsInUse;
      for (const stale of command.data.staleHolders) {
        // Only a holder the whole stream shows can be freed.
        if (!seats.holders?.has(stale) || stale === userId) continue;
        inUse -= 1;
        released.push({ type: 'ProfileSeatReleased', data: { profileId, userId: stale, seatsInUse: inUse } });
      }
      if (maxUsers > 0 && inUse >= maxUsers) {
        throw new DomainRefused('ProfileFull', `profile ${profileId} is full: it holds its maximum of ${maxUsers} users`, { profileId, maxUsers });
      }
      return [...released, { type: 'ProfileSeatTaken', data: { profileId, userId, takenAt: now, seatsInUse: inUse + 1 } }];
    }
    case 'ReleaseProfileSeat': {
      const { profileId, userId } = command.data;
      // A release twice over would free a seat nobody gave back: it needs the holders.
      if (!seats.holders) throw new Error('releasing a seat needs the whole seat stream folded');
      if (!seats.holders.has(userId)) return [];
      return [{ type: 'ProfileSeatReleased', data: { profileId, userId, seatsInUse: Math.max(0, seats.seatsInUse - 1) } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

/** Whether a seat's holder may lose it: its user is gone, never came, or lives in another profile. */
export function seatIsStale(
  holder: { takenAt: string; userExists: boolean; userDeleted: boolean; userProfileId: string | null },
  profileId: string,
  now: string,
): boolean {
  if (holder.userDeleted) return true;
  if (!holder.userExists) return Date.parse(now) - Date.parse(holder.takenAt) >= PROFILE_SEAT_LEASE_MS;
  return holder.userProfileId !== null && holder.userProfileId !== profileId;
}
