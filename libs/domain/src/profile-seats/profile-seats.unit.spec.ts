import { foldProfileSeats, PROFILE_SEAT_LEASE_MS, ProfileSeatCommand, ProfileSeatEvent, seatIsStale, seatsAfter } from './profile-seats';
import { profileSeatsStream } from './profile-seats.stream';
import { deciderSpec } from '../testing/decider-spec';

const NOW = '2026-11-30T12:00:00.000Z';
const taken = (userId: string, seatsInUse: number): ProfileSeatEvent => ({
  type: 'ProfileSeatTaken',
  data: { profileId: 'staff', userId, takenAt: NOW, seatsInUse },
});
const take = (userId: string, maxUsers: number, staleHolders: string[] = []): ProfileSeatCommand => ({
  type: 'TakeProfileSeat',
  data: { profileId: 'staff', userId, maxUsers, now: NOW, staleHolders },
});

/** given the whole stream (given) or only its last event (givenState of seatsAfter), when a command, then… */
const { given, givenState } = deciderSpec(profileSeatsStream);

describe('Profile seats decider (rule M5)', () => {
  it('given one seat of two in use (last event only), when a user takes one, then it is taken with the new count', () => {
    givenState(seatsAfter(taken('u1', 1)))
      .when(take('u2', 2))
      .then([taken('u2', 2)]);
  });

  it('given an unlimited profile, when the 1001st user takes a seat, then it is taken (0 = unlimited)', () => {
    givenState(seatsAfter(taken('u1000', 1000)))
      .when(take('u1001', 0))
      .then([taken('u1001', 1001)]);
  });

  it('given a full profile, when a user takes a seat, then refused as ProfileFull', () => {
    givenState(seatsAfter(taken('u2', 2)))
      .when(take('u3', 2))
      .thenRefused('ProfileFull', { profileId: 'staff', maxUsers: 2 });
  });

  it('given a full profile with a stale holder, when a user takes a seat freeing it, then the stale seat is released first', () => {
    given(taken('u1', 1), taken('u2', 2))
      .when(take('u3', 2, ['u1']))
      .then([{ type: 'ProfileSeatReleased', data: { profileId: 'staff', userId: 'u1', seatsInUse: 1 } }, taken('u3', 2)]);
  });

  it('given a full profile, when a "stale" holder is named that holds no seat, then it frees nothing and the take is refused', () => {
    given(taken('u1', 1), taken('u2', 2))
      .when(take('u3', 2, ['nobody']))
      .thenRefused('ProfileFull');
  });

  it('given a user holding a seat of a full profile, when it takes a seat again (a retried create), then nothing: one user, one seat (`npm run test:mutation`)', () => {
    given(taken('u1', 1), taken('u2', 2)).when(take('u1', 2)).then([]);
  });

  it('given a holder, when it releases its seat, then the count drops; when it releases again, then nothing happens', () => {
    const release: ProfileSeatCommand = { type: 'ReleaseProfileSeat', data: { profileId: 'staff', userId: 'u1' } };
    const released: ProfileSeatEvent = { type: 'ProfileSeatReleased', data: { profileId: 'staff', userId: 'u1', seatsInUse: 1 } };
    given(taken('u1', 1), taken('u2', 2)).when(release).then([released]);
    given(taken('u1', 1), taken('u2', 2), released).when(release).then([]);
  });

  it('given only the count, when releasing, then it refuses to guess who holds seats', () => {
    givenState(seatsAfter(taken('u1', 1)))
      .when({ type: 'ReleaseProfileSeat', data: { profileId: 'staff', userId: 'u1' } })
      .thenThrows();
  });

  it('given the whole stream, when folded at once or event by event, then the same seats', () => {
    const events = [taken('u1', 1), taken('u2', 2), { type: 'ProfileSeatReleased', data: { profileId: 'staff', userId: 'u1', seatsInUse: 1 } } as const];
    expect(given(...events).state).toEqual(foldProfileSeats(events));
    expect(given(...events).state).toEqual({ seatsInUse: 1, holders: new Map([['u2', NOW]]) });
  });

  it('given a kept fold, when more events are folded onto it at once, then the seats event by event would give, the kept fold unchanged', () => {
    const kept = foldProfileSeats([taken('u1', 1), taken('u2', 2)]);
    const later = [{ type: 'ProfileSeatReleased', data: { profileId: 'staff', userId: 'u1', seatsInUse: 1 } } as const, taken('u3', 2)];

    expect(foldProfileSeats(later, kept)).toEqual(later.reduce(profileSeatsStream.evolve, kept));
    expect(kept).toEqual({
      seatsInUse: 2,
      holders: new Map([
        ['u1', NOW],
        ['u2', NOW],
      ]),
    });
    expect(foldProfileSeats(later, seatsAfter(taken('u2', 2)))).toEqual({ seatsInUse: 2, holders: null });
  });

  describe('seatIsStale', () => {
    const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();
    it('given a holder whose user never came, then stale only after the lease', () => {
      const holder = { takenAt: NOW, userExists: false, userDeleted: false, userProfileId: null };
      expect(seatIsStale(holder, 'staff', at(PROFILE_SEAT_LEASE_MS - 1))).toBe(false);
      expect(seatIsStale(holder, 'staff', at(PROFILE_SEAT_LEASE_MS))).toBe(true);
    });
    it('given a holder deleted for good or placed in another profile, then stale; in this profile, then not', () => {
      expect(seatIsStale({ takenAt: NOW, userExists: true, userDeleted: true, userProfileId: null }, 'staff', NOW)).toBe(true);
      expect(seatIsStale({ takenAt: NOW, userExists: true, userDeleted: false, userProfileId: 'other' }, 'staff', NOW)).toBe(true);
      expect(seatIsStale({ takenAt: NOW, userExists: true, userDeleted: false, userProfileId: 'staff' }, 'staff', NOW)).toBe(false);
    });
    it('given a holder whose user exists without a profile yet (created by hand, rule L7), then not stale: its seat is not taken from it', () => {
      expect(seatIsStale({ takenAt: NOW, userExists: true, userDeleted: false, userProfileId: null }, 'staff', at(PROFILE_SEAT_LEASE_MS * 2))).toBe(false);
    });
  });
});
