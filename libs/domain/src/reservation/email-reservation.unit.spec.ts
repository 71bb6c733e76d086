import { EMAIL_RESERVATION_LEASE_MS, EmailReservationCommand, EmailReservationEvent } from './email-reservation';
import { emailReservationStream } from './email-reservation.stream';
import { deciderSpec } from '../testing/decider-spec';

const NOW = '2026-11-30T12:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();
const reservedByU1: EmailReservationEvent = {
  type: 'EmailReserved',
  data: { email: 'ada@example.com', userId: 'u1', tenantId: 't1', reservedAt: NOW, replacedUserId: null },
};
const u1Holds = { userId: 'u1', tenantId: 't1', reservedAt: NOW };
const reserve = (userId: string, holderOwnsIt: boolean, now = NOW, tenantId = 't2'): EmailReservationCommand => ({
  type: 'ReserveEmail',
  data: { email: 'ada@example.com', userId, tenantId, now, holderOwnsIt },
});

/** given past events, when a command, then new events (or a refusal). */
const { given } = deciderSpec(emailReservationStream);

describe('Email reservation decider (rules L8, L9)', () => {
  it('given a free address, when reserved, then EmailReserved for that user and tenant', () => {
    given()
      .when(reserve('u1', false, NOW, 't1'))
      .then([reservedByU1]);
  });

  it('given an address its user owns, when another tenant reserves it, then refused as taken (rule L8)', () => {
    given(reservedByU1).when(reserve('u2', true)).thenRefused('EmailTaken', { holder: u1Holds });
  });

  it('given an address reserved by the same user, when reserved again, then nothing happens', () => {
    given(reservedByU1).when(reserve('u1', true)).then([]);
  });

  it('given a reservation whose user does not own the address yet, when reserved within the lease, then refused as being claimed (rule L9)', () => {
    given(reservedByU1)
      .when(reserve('u2', false, later(EMAIL_RESERVATION_LEASE_MS - 1)))
      .thenRefused('EmailBeingClaimed', { holder: u1Holds });
  });

  it('given a reservation whose user never came, when reserved after the lease, then the stale holder is replaced', () => {
    const at = later(EMAIL_RESERVATION_LEASE_MS);
    given(reservedByU1)
      .when(reserve('u2', false, at))
      .then([{ type: 'EmailReserved', data: { email: 'ada@example.com', userId: 'u2', tenantId: 't2', reservedAt: at, replacedUserId: 'u1' } }]);
  });

  it('given a reservation, when its holder releases it, then EmailReleased and the address is free again', () => {
    const release: EmailReservationCommand = { type: 'ReleaseEmail', data: { email: 'ada@example.com', userId: 'u1' } };
    given(reservedByU1)
      .when(release)
      .then([{ type: 'EmailReleased', data: { email: 'ada@example.com', userId: 'u1' } }]);
    given(reservedByU1, { type: 'EmailReleased', data: { email: 'ada@example.com', userId: 'u1' } })
      .when(reserve('u2', false))
      .then([{ type: 'EmailReserved', data: { email: 'ada@example.com', userId: 'u2', tenantId: 't2', reservedAt: NOW, replacedUserId: null } }]);
  });

  it("given a stale holder replaced, when the replaced user's release is folded after, then the address stays the new holder's (rule L8, `npm run test:mutation`)", () => {
    const replacedByU2: EmailReservationEvent = {
      type: 'EmailReserved',
      data: { email: 'ada@example.com', userId: 'u2', tenantId: 't2', reservedAt: NOW, replacedUserId: 'u1' },
    };
    given(reservedByU1, replacedByU2, { type: 'EmailReleased', data: { email: 'ada@example.com', userId: 'u1' } })
      .when(reserve('u3', true))
      .thenRefused('EmailTaken');
  });

  it('given a reservation by another user, when someone else releases it, then nothing happens', () => {
    given(reservedByU1)
      .when({ type: 'ReleaseEmail', data: { email: 'ada@example.com', userId: 'u2' } })
      .then([]);
  });
});
