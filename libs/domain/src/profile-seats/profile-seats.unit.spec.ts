import {
  decideProfileSeat,
  foldProfileSeats,
  PROFILE_SEAT_LEASE_MS,
  ProfileSeatCommand,
  ProfileSeatEvent,
  seatIsStale,
  seatsAfter,
} from './profile-seats';

const NOW = '2026-11-30T12:00:00.000Z';
const taken = (userId: string, seatsInUse: number): ProfileSeatEvent => ({
  type: 'ProfileSeatTaken',
  data: { profileId: 'staff', userId, takenAt: NOW, seatsInUse },
});
const take = (userId: string, maxUsers: number, staleHolders: string[] = []): ProfileSeatCommand => ({
  type: 'TakeProfileSeat',
  data: { profileId: 'staff', userId, maxUsers, now: NOW, staleHolders },
});

describe('Profile seats decider (rule M5)', () => {
  it('given one seat of two in use (last event only), when a user takes one, then it is taken with the new count', () => {
    expect(decideProfileSeat(take('u2', 2), seatsAfter(taken('u1', 1)))).toEqual([taken('u2', 2)]);
  });

  it('given an unlimited profile, when the 1001st user takes a seat, then it is taken (0 = unlimited)', () => {
    expect(decideProfileSeat(take('u1001', 0), seatsAfter(taken('u1000', 1000)))).toEqual([taken('u1001', 1001)]);
  });

  it('given a full profile, when a user takes a seat, then refused as ProfileFull', () => {
    expect(() => decideProfileSeat(take('u3', 2), seatsAfter(taken('u2', 2)))).toThrow(expect.objectContaining({ name: 'ProfileFull', maxUsers: 2 }));
  });

  it('given a full profile with a stale holder, when a user takes a seat freeing it, then the stale seat is released first', () => {
    const seats = foldProfileSeats([taken('u1', 1), taken('u2', 2)]);
    expect(decideProfileSeat(take('u3', 2, ['u1']), seats)).toEqual([
      { type: 'ProfileSeatReleased', data: { profileId: 'staff', userId: 'u1', seatsInUse: 1 } },
      taken('u3', 2),
    ]);
  });

  it('given a full profile, when a "stale" holder is named that holds no seat, then it frees nothing and the take is refused', () => {
    const seats = foldProfileSeats([taken('u1', 1), taken('u2', 2)]);
    expect(() => decideProfileSeat(take('u3', 2, ['nobody']), seats)).toThrow(expect.objectContaining({ name: 'ProfileFull' }));
  });

  it('given a holder, when it releases its seat, then the count drops; when it releases again, then nothing happens', () => {
    const release: ProfileSeatCommand = { type: 'ReleaseProfileSeat', data: { profileId: 'staff', userId: 'u1' } };
    const released: ProfileSeatEvent = { type: 'ProfileSeatReleased', data: { profileId: 'staff', userId: 'u1', seatsInUse: 1 } };
    expect(decideProfileSeat(release, foldProfileSeats([taken('u1', 1), taken('u2', 2)]))).toEqual([released]);
    expect(decideProfileSeat(release, foldProfileSeats([taken('u1', 1), taken('u2', 2), released]))).toEqual([]);
  });

  it('given only the count, when releasing, then it refuses to guess who holds seats', () => {
    expect(() => decideProfileSeat({ type: 'ReleaseProfileSeat', data: { profileId: 'staff', userId: 'u1' } }, seatsAfter(taken('u1', 1)))).toThrow();
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
  });
});
