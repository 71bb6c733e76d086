/** Why the tenant's decider refused a command, in the domain's words; mapped to HTTP at the edge. */
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
  | 'InvalidOrder';

export class TenantCommandRefused extends Error {
  override readonly name = 'TenantCommandRefused';
  constructor(
    readonly reason: TenantRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** What `createHash('sha256').digest('hex')` produces. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function required(value: string, reason: TenantRefusal, what: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new TenantCommandRefused(reason, `${what} is required`);
  return value;
}

/** Names are trimmed: surrounding spaces are never meant and would make two names look alike. */
export function requiredName(value: string, reason: TenantRefusal, what: string): string {
  return required(value, reason, what).trim();
}

export function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}
