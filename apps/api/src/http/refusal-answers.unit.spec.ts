import { DomainRefusalReason, DomainRefused, ProvisioningRefusalReason, TenantRefusal } from '@scim-ledger/domain';
import { HttpException, NotFoundException } from '@nestjs/common';
import { ScimError } from '@scim-ledger/scim';
import { toProblem } from './problem-details.filter';
import { refusalAnswered, toScimError } from './scim-exception.filter';

const holder = { userId: 'u-1', tenantId: 't-1', reservedAt: '2026-01-01T00:00:00.000Z' };

/** What a refusal is answered: on SCIM its status, scimType and headers; on the admin API its status. */
type Answers = [scimStatus: number, scimType: string | undefined, scimHeaders: Record<string, string>, adminStatus: number];

/**
 * A user's refusals as the IdP and the admin see them (README, "Why a request
 * is refused"). With the tenant's below, every DomainRefusalReason is here: a
 * new reason does not compile until its answers are pinned.
 */
const provisioning: Record<ProvisioningRefusalReason, Answers> = {
  NoMappingMatched: [400, 'invalidValue', {}, 422], // rule M4
  PlacementRequired: [400, 'invalidValue', {}, 422],
  InvalidUser: [400, 'invalidValue', {}, 422],
  StorageUnhealthy: [503, undefined, { 'Retry-After': '300' }, 422], // rule M6
  ProfileFull: [403, undefined, {}, 422], // rule M5
  EmailTaken: [409, 'uniqueness', {}, 409], // rule L8
  EmailBeingClaimed: [409, 'uniqueness', { 'Retry-After': '5' }, 409], // rule L9
  UserAlreadyExists: [409, 'uniqueness', {}, 409],
  ReactivationForbidden: [400, 'mutability', {}, 422], // rule L6
  ScimNotEnabled: [403, undefined, {}, 422], // rule T6
  LicenceLimitReached: [403, undefined, {}, 422], // rule L10
  UserNotFound: [404, undefined, {}, 404],
  UserOnLegalHold: [409, undefined, {}, 409],
  UserNotPreserved: [409, undefined, {}, 422],
};

/** The tenant's other refusals, only ever met on the admin API: duplicates conflict, unknown things are not found, any other broken rule is 422. */
const tenant: Record<Exclude<TenantRefusal, ProvisioningRefusalReason>, number> = {
  TenantAlreadyExists: 409,
  StorageAlreadyExists: 409,
  ProfileAlreadyExists: 409,
  MappingAlreadyExists: 409,
  ApiCredentialAlreadyExists: 409,
  ClientIdTaken: 409,
  ScimTokenReused: 409,
  UsersOnLegalHold: 409, // rule L10: a tenant with users on legal hold is not deleted
  TenantNotFound: 404,
  UnknownApiCredential: 404,
  UnknownMapping: 404,
  UnknownStorage: 422,
  UnknownProfile: 422,
  InvalidTenant: 422,
  InvalidTime: 422,
  InvalidFacts: 422,
  ScimNotAllowed: 422,
  ScimInUse: 422,
  InvalidScimToken: 422,
  InvalidApiCredential: 422,
  InvalidNotificationContacts: 422, // rule T3
  InvalidStorage: 422,
  InvalidProfile: 422,
  StorageNotAllowedForProfile: 422,
  InvalidMapping: 422,
  MappingFilterImmutable: 422,
  InvalidOrder: 422,
};

/** Every reason refused, with the details the reasons that have any carry. */
function refused(reason: DomainRefusalReason, message: string): DomainRefused {
  switch (reason) {
    case 'EmailTaken':
    case 'EmailBeingClaimed':
      return new DomainRefused(reason, message, { holder });
    case 'ProfileFull':
      return new DomainRefused(reason, message, { profileId: 'p-1', maxUsers: 3 });
    default:
      return new DomainRefused(reason, message);
  }
}

describe('refusals answered at the HTTP edges', () => {
  it.each(Object.entries(provisioning))(
    'given the refusal %s, when answered, then its SCIM status, scimType and headers, and the admin API its status with the reason as title',
    (reason, [status, scimType, headers, adminStatus]) => {
      const refusal = refused(reason as DomainRefusalReason, 'refused');
      const scim = toScimError(refusal);
      expect([scim.status, scim.scimType, scim.headers]).toEqual([status, scimType, headers]);
      expect(toProblem(refusal)).toMatchObject({ status: adminStatus, title: reason, detail: 'refused' });
    },
  );

  it.each(Object.entries(tenant))(
    'given the tenant refusal %s, when answered on the admin API, then its status with the reason as title; under a SCIM route it is our fault (500)',
    (reason, adminStatus) => {
      const refusal = refused(reason as DomainRefusalReason, 'refused');
      expect(toProblem(refusal)).toMatchObject({ status: adminStatus, title: reason, detail: 'refused' });
      expect(toScimError(refusal).status).toBe(500);
      expect(refusalAnswered(refusal)).toBeNull();
    },
  );

  it('given a domain refusal, when recorded (rule S2), then it carries the domain reason and what the IdP got', () => {
    expect(refusalAnswered(refused('ProfileFull', 'profile p-1 is full: it holds its maximum of 3 users'))).toEqual({
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

  it("given Nest's own HTTP errors, when answered on the admin API, then the problem's title is the status's phrase (RFC 9457 §3.1.4), never \"Http\"", () => {
    expect(toProblem(new HttpException('gone', 410))).toMatchObject({ status: 410, title: 'Gone' });
    expect(toProblem(new NotFoundException('no route'))).toMatchObject({ status: 404, title: 'Not Found' });
  });
});
