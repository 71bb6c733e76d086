import { EmailReservationRefused, PlacementRefused, ProfileFull, UserCommandRefused } from '@scim-ledger/domain';
import { ScimError } from '@scim-ledger/scim';
import { toProblem } from './problem-details.filter';
import { refusalAnswered, toScimError } from './scim-exception.filter';

const holder = { userId: 'u-1', tenantId: 't-1', reservedAt: '2026-01-01T00:00:00.000Z' };

// README, "Why a request is refused": each domain reason and what the IdP and the admin are answered.
const cases: [string, Error, number, string | undefined, Record<string, string>, number][] = [
  ['no mapping matched (M4)', new PlacementRefused('NoMappingMatched', 'None of the SCIM Mapping matched to create user.'), 400, 'invalidValue', {}, 422],
  ['storage unhealthy (M6)', new PlacementRefused('StorageUnhealthy', 'unhealthy'), 503, undefined, { 'Retry-After': '300' }, 422],
  ['profile full (M5)', new ProfileFull('p-1', 3), 403, undefined, {}, 422],
  ['address taken (L8)', new EmailReservationRefused('EmailTaken', holder, 'taken'), 409, 'uniqueness', {}, 409],
  ['address being claimed (L9)', new EmailReservationRefused('EmailBeingClaimed', holder, 'claimed'), 409, 'uniqueness', { 'Retry-After': '5' }, 409],
  ['reactivation of a preserved user (L6)', new UserCommandRefused('ReactivationForbidden', 'preserved'), 400, 'mutability', {}, 422],
  ['SCIM not enabled (T6)', new PlacementRefused('ScimNotEnabled', 'not scim'), 403, undefined, {}, 422],
  ['licence limit (L10)', new PlacementRefused('LicenceLimitReached', 'no licence'), 403, undefined, {}, 422],
  ['unknown user', new UserCommandRefused('UserNotFound', 'no such user'), 404, undefined, {}, 404],
  ['user on legal hold', new UserCommandRefused('UserOnLegalHold', 'held'), 409, undefined, {}, 409],
];

describe('refusals answered at the HTTP edges', () => {
  it.each(cases)(
    'given %s, when answered, then its SCIM status and scimType, and the admin API its status',
    (_name, refusal, status, scimType, headers, adminStatus) => {
      const scim = toScimError(refusal);
      expect([scim.status, scim.scimType, scim.headers]).toEqual([status, scimType, headers]);
      expect(toProblem(refusal).status).toBe(adminStatus);
      expect(toProblem(refusal).title).toBe((refusal as { reason?: string }).reason ?? 'ProfileFull');
    },
  );

  it('given a domain refusal, when recorded (rule S2), then it carries the domain reason and what the IdP got', () => {
    expect(refusalAnswered(new ProfileFull('p-1', 3))).toEqual({
      reason: 'ProfileFull',
      status: 403,
      scimType: null,
      detail: 'profile p-1 is full: it holds its maximum of 3 users; ask an administrator to raise the limit',
    });
  });

  it('given a SCIM error or the service failing, when recorded, then the scimType or status names it, and a failure of ours is no refusal', () => {
    expect(refusalAnswered(new ScimError(400, 'bad', 'invalidSyntax'))?.reason).toBe('invalidSyntax');
    expect(refusalAnswered(new ScimError(412, 'stale'))?.reason).toBe('http412');
    expect(refusalAnswered(new Error('boom'))).toBeNull();
  });
});
