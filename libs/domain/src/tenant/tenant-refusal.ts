import { DomainRefused } from '../domain-refused';

/** Why a command to the tenant was refused, in the domain's words; mapped to HTTP at the edge. */
export type TenantRefusal =
  | 'TenantAlreadyExists'
  | 'TenantNotFound'
  | 'InvalidTenant'
  | 'InvalidTime'
  | 'InvalidFacts'
  | 'ScimNotAllowed'
  | 'ScimNotEnabled'
  | 'ScimInUse'
  | 'InvalidScimToken'
  | 'ScimTokenReused'
  | 'InvalidApiCredential'
  | 'ApiCredentialAlreadyExists'
  | 'ClientIdTaken'
  | 'UnknownApiCredential'
  /** Rule T3: a notification contact that is no mailbox, too long, or one too many. */
  | 'InvalidNotificationContacts'
  | 'InvalidStorage'
  | 'StorageAlreadyExists'
  | 'UnknownStorage'
  | 'InvalidProfile'
  | 'ProfileAlreadyExists'
  | 'UnknownProfile'
  | 'StorageNotAllowedForProfile'
  | 'InvalidMapping'
  | 'MappingAlreadyExists'
  | 'UnknownMapping'
  | 'MappingFilterImmutable'
  | 'InvalidOrder'
  /** Rule L10: a tenant is not deleted while any of its users is on legal hold. */
  | 'UsersOnLegalHold';

/** What `createHash('sha256').digest('hex')` produces. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function required(value: string, reason: TenantRefusal, what: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new DomainRefused(reason, `${what} is required`);
  return value;
}

/** Names are trimmed: surrounding spaces are never meant and would make two names look alike. */
export function requiredName(value: string, reason: TenantRefusal, what: string): string {
  return required(value, reason, what).trim();
}

export function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}
