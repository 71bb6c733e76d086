import { firstMatching, parseFilterValues, sameFilter, ScimMappingFilter } from './scim-mapping-filter';
import {
  ExpiryReminderDays,
  ProfileConfiguration,
  Quota,
  ScimApiCredentialsEntry,
  ScimMappingConfiguration,
  StorageHealth,
  TenantEvent,
  UserManagementMethod,
} from './tenant.events';

/** Rule T2: a SCIM token is valid 365 days from its creation. */
export const SCIM_TOKEN_VALIDITY_DAYS = 365;
/** Rule T3 decision: reminders 30, 7 and 1 days before expiry. */
export const EXPIRY_REMINDER_DAYS: readonly ExpiryReminderDays[] = [30, 7, 1];
/** Rule M1: a per-user quota is 0–1023 in its unit. */
export const MAX_QUOTA_AMOUNT = 1023;

const DAY_MS = 86_400_000;
/** What `createHash('sha256').digest('hex')` produces. */
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** ISO 8601 with an explicit offset, so an instant never depends on the server's zone. */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The tenant's one SCIM token (rule T2), known only by its hash. */
export interface CurrentScimToken {
  readonly tokenId: string;
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUsedAt: string | null;
  /** Rule T3: each reminder is recorded once per token. */
  readonly remindersRecorded: readonly ExpiryReminderDays[];
}

/** A client id + secret for the admin API, distinct from the SCIM token (rule T4). */
export interface AdminApiCredential {
  readonly kind: 'admin';
  readonly credentialId: string;
  readonly clientId: string;
  readonly secretHash: string;
  readonly name: string;
  readonly issuedAt: string;
  readonly revokedAt: string | null;
}

/** One line of the tenant's "API credentials" list (rule T4). */
export type ApiCredentialsEntry = ScimApiCredentialsEntry | AdminApiCredential;

export interface Storage {
  readonly storageId: string;
  readonly name: string;
  readonly region: string;
  readonly health: StorageHealth;
}

export interface Profile extends ProfileConfiguration {
  readonly profileId: string;
}

export interface ScimMapping extends ScimMappingConfiguration {
  readonly mappingId: string;
  readonly filter: ScimMappingFilter;
}

/** Rule L10: 0 active licences means unlimited. */
export interface LicenceLimits {
  readonly activeLicences: number;
  readonly preservedLicences: number;
}

interface KnownTenant {
  readonly licences: LicenceLimits;
  readonly tenantId: string;
  readonly name: string;
  readonly userManagement: UserManagementMethod;
  readonly scimToken: CurrentScimToken | null;
  readonly apiCredentials: readonly ApiCredentialsEntry[];
  readonly storages: readonly Storage[];
  readonly profiles: readonly Profile[];
  /** In the order they are tried (rule M3). */
  readonly scimMappings: readonly ScimMapping[];
  /** Ids of removed mappings: never reused, and removing them again changes nothing. */
  readonly removedScimMappingIds: readonly string[];
}

export type TenantState =
  | { readonly status: 'Initial' }
  | (KnownTenant & { readonly status: 'Active' })
  /** Deleted tenants answer as unknown ones, except that their id cannot be taken again. */
  | { readonly status: 'Deleted'; readonly tenantId: string };

export const initialTenantState: TenantState = { status: 'Initial' };

/**
 * Rule T6 needs facts the tenant stream cannot see (AD/LDAP lives elsewhere,
 * users have their own streams): the read side supplies them, the decider
 * decides.
 */
export interface AdLdapFacts {
  readonly adLdapConfigured: boolean;
  readonly adLdapMappings: number;
  readonly adLdapManagedUsers: number;
}

export interface ProfileSpec {
  readonly profileId: string;
  readonly name: string;
  readonly maxUsers: number;
  readonly autoDeletePreservedAfterDays: number | null;
  readonly storageIds: readonly string[];
}

export interface ScimMappingSpec {
  readonly mappingId: string;
  readonly name: string;
  readonly profileId: string;
  readonly storageId: string;
  readonly quota: Quota;
}

export type TenantCommand =
  | { readonly type: 'CreateTenant'; readonly data: { tenantId: string; name: string } }
  | { readonly type: 'ChangeTenantSettings'; readonly data: { name: string } }
  | { readonly type: 'SetLicenceLimits'; readonly data: LicenceLimits }
  | { readonly type: 'SwitchToScim'; readonly data: AdLdapFacts }
  | { readonly type: 'SwitchToAdLdap' }
  | { readonly type: 'SwitchAwayFromScim'; readonly data: { to: 'manual' | 'ad_ldap'; deleteScimMappings: boolean } }
  /** tokenHash is the SHA-256 (hex) of a token generated outside: the decider never sees it in clear (rule T2). */
  | { readonly type: 'GenerateScimToken'; readonly data: { tokenId: string; tokenHash: string; now: string } }
  | { readonly type: 'RecordScimTokenUse'; readonly data: { tokenId: string; now: string } }
  | { readonly type: 'RecordScimTokenExpiryReminder'; readonly data: { tokenId: string; daysBefore: ExpiryReminderDays; now: string } }
  | {
      readonly type: 'IssueApiCredential';
      readonly data: { credentialId: string; clientId: string; secretHash: string; name: string; now: string };
    }
  | { readonly type: 'RevokeApiCredential'; readonly data: { credentialId: string; now: string } }
  | { readonly type: 'AddStorage'; readonly data: { storageId: string; name: string; region: string } }
  | { readonly type: 'SetStorageHealth'; readonly data: { storageId: string; health: StorageHealth } }
  | { readonly type: 'CreateProfile'; readonly data: ProfileSpec }
  /** The whole wanted configuration, like a PUT. */
  | { readonly type: 'UpdateProfile'; readonly data: ProfileSpec }
  | {
      readonly type: 'AddScimMapping';
      /** valuesText is the admin's raw text, parsed by rule M2; sendActivationEmail defaults to true (rule M1). */
      readonly data: ScimMappingSpec & { attribute: string; valuesText: string; sendActivationEmail?: boolean };
    }
  | {
      readonly type: 'ChangeScimMapping';
      /**
       * The whole wanted configuration, like a PUT. attribute and valuesText
       * may be repeated unchanged; any other value is refused (rule M3).
       */
      readonly data: ScimMappingSpec & { sendActivationEmail: boolean; attribute?: string; valuesText?: string };
    }
  | { readonly type: 'ReorderScimMappings'; readonly data: { orderedIds: readonly string[] } }
  | { readonly type: 'RemoveScimMapping'; readonly data: { mappingId: string } }
  | { readonly type: 'DeleteTenant'; readonly data: Record<string, never> };

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
  constructor(readonly reason: TenantRefusal, message: string) {
    super(message);
  }
}

type Tenant = Extract<TenantState, { status: 'Active' }>;

export function decide(command: TenantCommand, state: TenantState): TenantEvent[] {
  switch (command.type) {
    case 'CreateTenant': {
      if (state.status === 'Deleted') throw new TenantCommandRefused('TenantAlreadyExists', 'a deleted tenant had this id; ids are never reused');
      if (state.status !== 'Initial') throw new TenantCommandRefused('TenantAlreadyExists', 'tenant already exists');
      const tenantId = required(command.data.tenantId, 'InvalidTenant', 'tenantId');
      const name = requiredName(command.data.name, 'InvalidTenant', 'tenant name');
      // Rule T6 decision: no method until the admin picks SCIM or AD/LDAP.
      return [{ type: 'TenantCreated', data: { tenantId, name, userManagement: 'manual' } }];
    }
    case 'ChangeTenantSettings': {
      const tenant = existing(state);
      const name = requiredName(command.data.name, 'InvalidTenant', 'tenant name');
      return name === tenant.name ? [] : [{ type: 'TenantRenamed', data: { name } }];
    }
    case 'SetLicenceLimits': {
      const tenant = existing(state);
      const { activeLicences, preservedLicences } = command.data;
      if (!isCount(activeLicences) || !isCount(preservedLicences)) {
        throw new TenantCommandRefused('InvalidTenant', 'licence counts must be integers ≥ 0');
      }
      const same = tenant.licences.activeLicences === activeLicences && tenant.licences.preservedLicences === preservedLicences;
      return same ? [] : [{ type: 'LicenceLimitsSet', data: { activeLicences, preservedLicences } }];
    }
    case 'SwitchToScim':
      return switchToScim(existing(state), command.data);
    case 'SwitchToAdLdap': {
      const tenant = existing(state);
      if (tenant.userManagement === 'ad_ldap') return [];
      if (tenant.userManagement === 'scim') {
        // Leaving SCIM must say what happens to users and mappings (rule T6).
        throw new TenantCommandRefused('ScimInUse', 'the tenant uses SCIM: switch away from SCIM first');
      }
      return [{ type: 'UserManagementSwitchedToAdLdap', data: { from: 'manual' } }];
    }
    case 'SwitchAwayFromScim':
      return switchAwayFromScim(existing(state), command.data);
    case 'GenerateScimToken':
      return generateScimToken(existing(state), command.data);
    case 'RecordScimTokenUse': {
      const token = existing(state).scimToken;
      const usedAt = instant(command.data.now);
      if (!token || token.tokenId !== command.data.tokenId || isExpired(token, usedAt)) return [];
      // At most once per UTC day: a use per request would drown the audit trail.
      if (token.lastUsedAt !== null && utcDay(usedAt) <= utcDay(token.lastUsedAt)) return [];
      return [{ type: 'ScimTokenUsed', data: { tokenId: token.tokenId, usedAt } }];
    }
    case 'RecordScimTokenExpiryReminder': {
      const tenant = existing(state);
      const { tokenId, daysBefore } = command.data;
      const now = instant(command.data.now);
      const token = tenant.scimToken;
      // Rule T3: only for the current token, once per threshold, inside its window.
      if (!token || token.tokenId !== tokenId || !dueReminders(tenant, now).includes(daysBefore)) return [];
      return [{ type: 'ScimTokenExpiryReminderDue', data: { tokenId, daysBefore, expiresAt: token.expiresAt, dueAt: now } }];
    }
    case 'IssueApiCredential':
      return issueApiCredential(existing(state), command.data);
    case 'RevokeApiCredential': {
      const tenant = existing(state);
      const revokedAt = instant(command.data.now);
      // Only admin credentials: the SCIM entry is not one (rule T4).
      const credential = adminCredentials(tenant).find((c) => c.credentialId === command.data.credentialId);
      if (!credential) throw new TenantCommandRefused('UnknownApiCredential', `no API credential ${command.data.credentialId}`);
      if (credential.revokedAt !== null) return [];
      return [{ type: 'ApiCredentialRevoked', data: { credentialId: credential.credentialId, revokedAt } }];
    }
    case 'AddStorage': {
      const tenant = existing(state);
      const storageId = required(command.data.storageId, 'InvalidStorage', 'storageId');
      const name = requiredName(command.data.name, 'InvalidStorage', 'storage name');
      const region = requiredName(command.data.region, 'InvalidStorage', 'storage region');
      const known = tenant.storages.find((s) => s.storageId === storageId);
      if (known) {
        if (known.name === name && known.region === region) return [];
        throw new TenantCommandRefused('StorageAlreadyExists', `storage ${storageId} already exists`);
      }
      // Rule M6 decision: a new storage is healthy until told otherwise.
      return [{ type: 'StorageAdded', data: { storageId, name, region, health: 'healthy' } }];
    }
    case 'SetStorageHealth': {
      const storage = knownStorage(existing(state), command.data.storageId);
      const { health } = command.data;
      if (health !== 'healthy' && health !== 'unhealthy') throw new TenantCommandRefused('InvalidStorage', `unknown health ${String(health)}`);
      return health === storage.health ? [] : [{ type: 'StorageHealthChanged', data: { storageId: storage.storageId, health } }];
    }
    case 'CreateProfile': {
      const tenant = existing(state);
      const profileId = required(command.data.profileId, 'InvalidProfile', 'profileId');
      const wanted = profileConfiguration(tenant, command.data);
      const known = tenant.profiles.find((p) => p.profileId === profileId);
      if (known) {
        if (sameProfile(known, wanted)) return [];
        throw new TenantCommandRefused('ProfileAlreadyExists', `profile ${profileId} already exists`);
      }
      return [{ type: 'ProfileCreated', data: { profileId, ...wanted } }];
    }
    case 'UpdateProfile': {
      const tenant = existing(state);
      const profile = knownProfile(tenant, command.data.profileId);
      const wanted = profileConfiguration(tenant, command.data);
      if (sameProfile(profile, wanted)) return [];
      // Rule M7 must stay true: a storage a mapping of this profile uses cannot be taken away.
      const stranded = tenant.scimMappings.find((m) => m.profileId === profile.profileId && !wanted.storageIds.includes(m.storageId));
      if (stranded) {
        throw new TenantCommandRefused(
          'StorageNotAllowedForProfile',
          `mapping ${stranded.mappingId} places users of this profile on storage ${stranded.storageId}`,
        );
      }
      return [{ type: 'ProfileChanged', data: { profileId: profile.profileId, ...wanted } }];
    }
    case 'AddScimMapping':
      return addScimMapping(existing(state), command.data);
    case 'ChangeScimMapping':
      return changeScimMapping(existing(state), command.data);
    case 'ReorderScimMappings': {
      const tenant = existing(state);
      const current = tenant.scimMappings.map((m) => m.mappingId);
      const orderedIds = [...command.data.orderedIds];
      // Rule M3: a new order names every mapping exactly once.
      if (orderedIds.length !== current.length || new Set(orderedIds).size !== orderedIds.length || !orderedIds.every((id) => current.includes(id))) {
        throw new TenantCommandRefused('InvalidOrder', 'the order must list every current mapping exactly once');
      }
      return orderedIds.every((id, i) => id === current[i]) ? [] : [{ type: 'ScimMappingsReordered', data: { orderedIds } }];
    }
    case 'RemoveScimMapping': {
      const tenant = existing(state);
      const { mappingId } = command.data;
      if (tenant.removedScimMappingIds.includes(mappingId)) return [];
      knownMapping(tenant, mappingId);
      return [{ type: 'ScimMappingRemoved', data: { mappingId } }];
    }
    case 'DeleteTenant':
      // Deleting again changes nothing: the caller may be finishing a deletion that was interrupted.
      if (state.status === 'Deleted') return [];
      existing(state);
      return [{ type: 'TenantDeleted', data: {} }];
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolve(state: TenantState, event: TenantEvent): TenantState {
  if (event.type === 'TenantCreated') {
    const { tenantId, name, userManagement } = event.data;
    return {
      status: 'Active',
      tenantId,
      name,
      userManagement,
      licences: { activeLicences: 0, preservedLicences: 0 },
      scimToken: null,
      apiCredentials: [],
      storages: [],
      profiles: [],
      scimMappings: [],
      removedScimMappingIds: [],
    };
  }
  if (state.status !== 'Active') return state;
  switch (event.type) {
    case 'TenantDeleted':
      return { status: 'Deleted', tenantId: state.tenantId };
    case 'TenantRenamed':
      return { ...state, name: event.data.name };
    case 'LicenceLimitsSet':
      return { ...state, licences: { ...event.data } };
    case 'UserManagementSwitchedToScim':
      return { ...state, userManagement: 'scim' };
    case 'UserManagementSwitchedToAdLdap':
      return { ...state, userManagement: 'ad_ldap' };
    case 'UserManagementSwitchedFromScim':
      return {
        ...state,
        userManagement: event.data.to,
        scimToken: null,
        apiCredentials: state.apiCredentials.filter((entry) => entry.kind !== 'scim'),
      };
    case 'ScimTokenGenerated':
    case 'ScimTokenRotated': {
      const { tokenId, tokenHash, createdAt, expiresAt, apiCredentialsEntry } = event.data;
      // The previous hash is gone from state at once (rule T2); the list entry is updated in place (rule T4).
      const hasEntry = state.apiCredentials.some((entry) => entry.kind === 'scim');
      return {
        ...state,
        scimToken: { tokenId, tokenHash, createdAt, expiresAt, lastUsedAt: null, remindersRecorded: [] },
        apiCredentials: hasEntry
          ? state.apiCredentials.map((entry) => (entry.kind === 'scim' ? apiCredentialsEntry : entry))
          : [...state.apiCredentials, apiCredentialsEntry],
      };
    }
    case 'ScimTokenUsed': {
      const token = state.scimToken;
      if (!token || token.tokenId !== event.data.tokenId) return state;
      return { ...state, scimToken: { ...token, lastUsedAt: event.data.usedAt } };
    }
    case 'ScimTokenExpiryReminderDue': {
      const token = state.scimToken;
      if (!token || token.tokenId !== event.data.tokenId || token.remindersRecorded.includes(event.data.daysBefore)) return state;
      return { ...state, scimToken: { ...token, remindersRecorded: [...token.remindersRecorded, event.data.daysBefore] } };
    }
    case 'ApiCredentialIssued':
      return { ...state, apiCredentials: [...state.apiCredentials, { kind: 'admin', ...event.data, revokedAt: null }] };
    case 'ApiCredentialRevoked':
      return {
        ...state,
        apiCredentials: state.apiCredentials.map((entry) =>
          entry.kind === 'admin' && entry.credentialId === event.data.credentialId ? { ...entry, revokedAt: event.data.revokedAt } : entry,
        ),
      };
    case 'StorageAdded':
      return { ...state, storages: [...state.storages, { ...event.data }] };
    case 'StorageHealthChanged':
      return {
        ...state,
        storages: state.storages.map((s) => (s.storageId === event.data.storageId ? { ...s, health: event.data.health } : s)),
      };
    case 'ProfileCreated':
      return { ...state, profiles: [...state.profiles, { ...event.data }] };
    case 'ProfileChanged':
      return { ...state, profiles: state.profiles.map((p) => (p.profileId === event.data.profileId ? { ...event.data } : p)) };
    case 'ScimMappingAdded':
      // Rule M3: new mappings go to the bottom.
      return { ...state, scimMappings: [...state.scimMappings, { ...event.data }] };
    case 'ScimMappingChanged':
      return {
        ...state,
        scimMappings: state.scimMappings.map((m) => (m.mappingId === event.data.mappingId ? { ...event.data, filter: m.filter } : m)),
      };
    case 'ScimMappingsReordered': {
      const byId = new Map(state.scimMappings.map((m) => [m.mappingId, m]));
      const ordered = event.data.orderedIds.flatMap((id) => {
        const mapping = byId.get(id);
        return mapping ? [mapping] : [];
      });
      return { ...state, scimMappings: ordered };
    }
    case 'ScimMappingRemoved':
      return {
        ...state,
        scimMappings: state.scimMappings.filter((m) => m.mappingId !== event.data.mappingId),
        removedScimMappingIds: [...state.removedScimMappingIds, event.data.mappingId],
      };
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

export function foldTenant(events: readonly TenantEvent[], state: TenantState = initialTenantState): TenantState {
  return events.reduce(evolve, state);
}

/** Rules M2/M3: the first mapping, in order, whose filter the user's attributes satisfy; null when none (rule M4). */
export function firstMatchingMapping(state: TenantState, attributes: Readonly<Record<string, unknown>>): ScimMapping | null {
  return state.status !== 'Active' ? null : firstMatching(state.scimMappings, attributes);
}

/** Users of the tenant by status, as the read side counts them. */
export interface LicensedUsers {
  readonly active: number;
  readonly preserved: number;
}

/**
 * Rule L10 (the vendor's licensing): an active user takes an active licence,
 * and a preserved one gives it back; active plus preserved users ("deployed")
 * may reach 110 % of all licences, which by default lets 10 % of the active
 * licence count stay preserved. Returns why a user may not become active or
 * be added, or null when it may.
 */
export function licenceRefusal(state: TenantState, users: LicensedUsers, change: 'add-active' | 'add-preserved' | 'reactivate'): string | null {
  if (state.status !== 'Active' || state.licences.activeLicences === 0) return null;
  const { activeLicences, preservedLicences } = state.licences;
  const deployable = Math.floor(((activeLicences + preservedLicences) * 110) / 100);
  if (change !== 'add-preserved' && users.active + 1 > activeLicences) {
    return `all ${activeLicences} active licences are in use`;
  }
  if (change !== 'reactivate' && users.active + users.preserved + 1 > deployable) {
    return `the tenant holds ${users.active + users.preserved} users, its limit of ${deployable} (110 % of its licences)`;
  }
  return null;
}

/** Rule T3: an expired token (now ≥ expiresAt) stops provisioning until a new one is generated. */
export function scimTokenStatus(state: TenantState, now: string): 'none' | 'valid' | 'expired' {
  if (state.status !== 'Active' || !state.scimToken) return 'none';
  return isExpired(state.scimToken, queryInstant(now)) ? 'expired' : 'valid';
}

/**
 * Rule T3 decision: which reminder a scheduler should record now for the
 * current token. Each threshold owns a window that ends where the next one
 * starts: 30 → (7 d, 30 d] before expiry, 7 → (1 d, 7 d], 1 → (0, 1 d].
 * So at most one reminder is due at a time, each at most once per token; a
 * window missed entirely (scheduler down) is skipped, not sent late; an
 * expired token gets none.
 */
export function dueReminders(state: TenantState, now: string): ExpiryReminderDays[] {
  if (state.status !== 'Active' || !state.scimToken) return [];
  const token = state.scimToken;
  const remaining = Date.parse(token.expiresAt) - Date.parse(queryInstant(now));
  if (remaining <= 0) return [];
  const window = [...EXPIRY_REMINDER_DAYS].reverse().find((days) => remaining <= days * DAY_MS);
  return window !== undefined && !token.remindersRecorded.includes(window) ? [window] : [];
}

function switchToScim(tenant: Tenant, facts: AdLdapFacts): TenantEvent[] {
  if (tenant.userManagement === 'scim') return [];
  if (!isCount(facts.adLdapMappings) || !isCount(facts.adLdapManagedUsers) || typeof facts.adLdapConfigured !== 'boolean') {
    throw new TenantCommandRefused('InvalidFacts', 'AD/LDAP facts must be a boolean and two counts');
  }
  // Rule T6: SCIM only when nothing of AD/LDAP is left.
  const blockers = [
    facts.adLdapConfigured ? 'an AD/LDAP configuration exists' : null,
    facts.adLdapMappings > 0 ? `${facts.adLdapMappings} AD/LDAP mapping(s) exist` : null,
    facts.adLdapManagedUsers > 0 ? `${facts.adLdapManagedUsers} AD/LDAP-managed user(s) exist` : null,
  ].filter((blocker): blocker is string => blocker !== null);
  if (blockers.length > 0) throw new TenantCommandRefused('ScimNotAllowed', `SCIM cannot be switched on: ${blockers.join('; ')}`);
  return [{ type: 'UserManagementSwitchedToScim', data: { from: tenant.userManagement } }];
}

function switchAwayFromScim(tenant: Tenant, wanted: { to: 'manual' | 'ad_ldap'; deleteScimMappings: boolean }): TenantEvent[] {
  if (tenant.userManagement !== 'scim') {
    // A repeated request finds the tenant already where it wanted it.
    if (tenant.userManagement === wanted.to) return [];
    throw new TenantCommandRefused('ScimNotEnabled', 'the tenant does not use SCIM');
  }
  const switched: TenantEvent = {
    type: 'UserManagementSwitchedFromScim',
    data: {
      to: wanted.to,
      usersMovedTo: 'manual',
      deleteScimMappings: wanted.deleteScimMappings,
      revokedScimTokenId: tenant.scimToken?.tokenId ?? null,
    },
  };
  // Rule T6: the mappings go only when the admin asks.
  const removals: TenantEvent[] = wanted.deleteScimMappings
    ? tenant.scimMappings.map((m) => ({ type: 'ScimMappingRemoved', data: { mappingId: m.mappingId } }))
    : [];
  return [switched, ...removals];
}

function generateScimToken(tenant: Tenant, data: { tokenId: string; tokenHash: string; now: string }): TenantEvent[] {
  if (tenant.userManagement !== 'scim') throw new TenantCommandRefused('ScimNotEnabled', 'switch the tenant to SCIM first');
  const tokenId = required(data.tokenId, 'InvalidScimToken', 'tokenId');
  if (!SHA256_HEX.test(data.tokenHash)) throw new TenantCommandRefused('InvalidScimToken', 'tokenHash must be a lower-case SHA-256 hex digest');
  const createdAt = instant(data.now);
  const current = tenant.scimToken;
  if (current) {
    // The same request again: the token is already the current one.
    if (current.tokenId === tokenId && current.tokenHash === data.tokenHash && current.createdAt === createdAt) return [];
    if (current.tokenId === tokenId || current.tokenHash === data.tokenHash) {
      throw new TenantCommandRefused('ScimTokenReused', 'a new SCIM token needs a new id and a new secret');
    }
  }
  // Rule T2: valid 365 days from creation, computed from the command's clock.
  const expiresAt = new Date(Date.parse(createdAt) + SCIM_TOKEN_VALIDITY_DAYS * DAY_MS).toISOString();
  const apiCredentialsEntry: ScimApiCredentialsEntry = { kind: 'scim', tokenId, createdAt, expiresAt };
  if (!current) {
    return [{ type: 'ScimTokenGenerated', data: { tokenId, tokenHash: data.tokenHash, createdAt, expiresAt, apiCredentialsEntry } }];
  }
  return [
    {
      type: 'ScimTokenRotated',
      data: { tokenId, tokenHash: data.tokenHash, createdAt, expiresAt, previousTokenId: current.tokenId, apiCredentialsEntry },
    },
  ];
}

function issueApiCredential(
  tenant: Tenant,
  data: { credentialId: string; clientId: string; secretHash: string; name: string; now: string },
): TenantEvent[] {
  const credentialId = required(data.credentialId, 'InvalidApiCredential', 'credentialId');
  if (!/^\S+$/.test(data.clientId)) throw new TenantCommandRefused('InvalidApiCredential', 'clientId must be non-empty, without spaces');
  if (!SHA256_HEX.test(data.secretHash)) {
    throw new TenantCommandRefused('InvalidApiCredential', 'secretHash must be a lower-case SHA-256 hex digest');
  }
  const name = requiredName(data.name, 'InvalidApiCredential', 'credential name');
  const issuedAt = instant(data.now);
  const issued = { credentialId, clientId: data.clientId, secretHash: data.secretHash, name, issuedAt };
  const credentials = adminCredentials(tenant);
  const known = credentials.find((c) => c.credentialId === credentialId);
  if (known) {
    const same = known.clientId === issued.clientId && known.secretHash === issued.secretHash && known.name === name && known.issuedAt === issuedAt;
    if (same) return [];
    throw new TenantCommandRefused('ApiCredentialAlreadyExists', `API credential ${credentialId} already exists`);
  }
  // A client id is never reused, not even after revocation, so logs stay unambiguous.
  if (credentials.some((c) => c.clientId === issued.clientId)) {
    throw new TenantCommandRefused('ClientIdTaken', `client id ${issued.clientId} is already used`);
  }
  return [{ type: 'ApiCredentialIssued', data: issued }];
}

function addScimMapping(
  tenant: Tenant,
  data: ScimMappingSpec & { attribute: string; valuesText: string; sendActivationEmail?: boolean },
): TenantEvent[] {
  const mappingId = required(data.mappingId, 'InvalidMapping', 'mappingId');
  const filter: ScimMappingFilter = {
    attribute: requiredName(data.attribute, 'InvalidMapping', 'filter attribute'),
    values: parseFilterValues(data.valuesText),
  };
  if (filter.values.length === 0) throw new TenantCommandRefused('InvalidMapping', 'the filter needs at least one value (rule M2)');
  // Rule M1: an activation email is sent unless the admin says otherwise.
  const configuration = mappingConfiguration(tenant, { ...data, sendActivationEmail: data.sendActivationEmail ?? true });
  if (tenant.removedScimMappingIds.includes(mappingId)) {
    throw new TenantCommandRefused('MappingAlreadyExists', `mapping id ${mappingId} belonged to a removed mapping`);
  }
  const known = tenant.scimMappings.find((m) => m.mappingId === mappingId);
  if (known) {
    if (sameFilter(known.filter, filter) && sameMappingConfiguration(known, configuration)) return [];
    throw new TenantCommandRefused('MappingAlreadyExists', `mapping ${mappingId} already exists`);
  }
  return [{ type: 'ScimMappingAdded', data: { mappingId, filter, ...configuration } }];
}

function changeScimMapping(
  tenant: Tenant,
  data: ScimMappingSpec & { sendActivationEmail: boolean; attribute?: string; valuesText?: string },
): TenantEvent[] {
  const mapping = knownMapping(tenant, data.mappingId);
  // Rule M3: the filter is fixed at creation; repeating it unchanged is fine.
  const wantedFilter: ScimMappingFilter = {
    attribute: data.attribute === undefined ? mapping.filter.attribute : data.attribute.trim(),
    values: data.valuesText === undefined ? mapping.filter.values : parseFilterValues(data.valuesText),
  };
  if (!sameFilter(mapping.filter, wantedFilter)) {
    throw new TenantCommandRefused('MappingFilterImmutable', 'a mapping filter cannot change after creation: add a new mapping instead');
  }
  const configuration = mappingConfiguration(tenant, data);
  if (sameMappingConfiguration(mapping, configuration)) return [];
  return [{ type: 'ScimMappingChanged', data: { mappingId: mapping.mappingId, ...configuration } }];
}

function mappingConfiguration(
  tenant: Tenant,
  data: ScimMappingSpec & { sendActivationEmail: boolean },
): ScimMappingConfiguration {
  const name = requiredName(data.name, 'InvalidMapping', 'mapping name');
  const profile = knownProfile(tenant, data.profileId);
  const storage = knownStorage(tenant, data.storageId);
  // Rule M7: only a storage the profile may use.
  if (!profile.storageIds.includes(storage.storageId)) {
    throw new TenantCommandRefused('StorageNotAllowedForProfile', `profile ${profile.profileId} may not use storage ${storage.storageId}`);
  }
  const { amount, unit } = data.quota;
  // Rule M1: 0 (unlimited) to 1023 in MB, GB or TB.
  if (!Number.isInteger(amount) || amount < 0 || amount > MAX_QUOTA_AMOUNT || (unit !== 'MB' && unit !== 'GB' && unit !== 'TB')) {
    throw new TenantCommandRefused('InvalidMapping', `quota must be 0–${MAX_QUOTA_AMOUNT} MB, GB or TB`);
  }
  if (typeof data.sendActivationEmail !== 'boolean') throw new TenantCommandRefused('InvalidMapping', 'sendActivationEmail must be a boolean');
  return { name, profileId: profile.profileId, storageId: storage.storageId, quota: { amount, unit }, sendActivationEmail: data.sendActivationEmail };
}

function sameMappingConfiguration(a: ScimMappingConfiguration, b: ScimMappingConfiguration): boolean {
  return (
    a.name === b.name &&
    a.profileId === b.profileId &&
    a.storageId === b.storageId &&
    a.quota.amount === b.quota.amount &&
    a.quota.unit === b.quota.unit &&
    a.sendActivationEmail === b.sendActivationEmail
  );
}

function profileConfiguration(tenant: Tenant, spec: ProfileSpec): ProfileConfiguration {
  const name = requiredName(spec.name, 'InvalidProfile', 'profile name');
  // Rule M5: 0 means unlimited.
  if (!isCount(spec.maxUsers)) throw new TenantCommandRefused('InvalidProfile', 'maxUsers must be an integer ≥ 0');
  const autoDelete = spec.autoDeletePreservedAfterDays;
  if (autoDelete !== null && !isCount(autoDelete)) {
    throw new TenantCommandRefused('InvalidProfile', 'autoDeletePreservedAfterDays must be an integer ≥ 0 or null');
  }
  // A set: order and repeats carry no meaning, so they never count as a change.
  const storageIds = [...new Set(spec.storageIds)].sort();
  if (storageIds.length === 0) throw new TenantCommandRefused('InvalidProfile', 'a profile needs at least one storage (rule M7)');
  for (const storageId of storageIds) knownStorage(tenant, storageId);
  return { name, maxUsers: spec.maxUsers, autoDeletePreservedAfterDays: autoDelete, storageIds };
}

function sameProfile(a: ProfileConfiguration, b: ProfileConfiguration): boolean {
  return (
    a.name === b.name &&
    a.maxUsers === b.maxUsers &&
    a.autoDeletePreservedAfterDays === b.autoDeletePreservedAfterDays &&
    a.storageIds.length === b.storageIds.length &&
    a.storageIds.every((id, i) => id === b.storageIds[i])
  );
}

function existing(state: TenantState): Tenant {
  if (state.status !== 'Active') throw new TenantCommandRefused('TenantNotFound', 'tenant not found');
  return state;
}

function adminCredentials(tenant: Tenant): AdminApiCredential[] {
  return tenant.apiCredentials.filter((entry): entry is AdminApiCredential => entry.kind === 'admin');
}

function knownStorage(tenant: Tenant, storageId: string): Storage {
  const storage = tenant.storages.find((s) => s.storageId === storageId);
  if (!storage) throw new TenantCommandRefused('UnknownStorage', `no storage ${storageId}`);
  return storage;
}

function knownProfile(tenant: Tenant, profileId: string): Profile {
  const profile = tenant.profiles.find((p) => p.profileId === profileId);
  if (!profile) throw new TenantCommandRefused('UnknownProfile', `no profile ${profileId}`);
  return profile;
}

function knownMapping(tenant: Tenant, mappingId: string): ScimMapping {
  const mapping = tenant.scimMappings.find((m) => m.mappingId === mappingId);
  if (!mapping) throw new TenantCommandRefused('UnknownMapping', `no SCIM mapping ${mappingId}`);
  return mapping;
}

function required(value: string, reason: TenantRefusal, what: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new TenantCommandRefused(reason, `${what} is required`);
  return value;
}

/** Names are trimmed: surrounding spaces are never meant and would make two names look alike. */
function requiredName(value: string, reason: TenantRefusal, what: string): string {
  return required(value, reason, what).trim();
}

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}

/** The command's clock as a canonical UTC instant (rule T2: dates shown in UTC). */
function instant(text: string): string {
  const parsed = parseInstant(text);
  if (parsed === null) throw new TenantCommandRefused('InvalidTime', `not an ISO 8601 instant: ${text}`);
  return parsed;
}

function queryInstant(text: string): string {
  const parsed = parseInstant(text);
  if (parsed === null) throw new RangeError(`not an ISO 8601 instant: ${text}`);
  return parsed;
}

function parseInstant(text: string): string | null {
  const match = typeof text === 'string' ? ISO_INSTANT.exec(text) : null;
  if (!match) return null;
  // Date.parse rolls 2025-02-30 over to March: refuse a day the month lacks.
  const [year, month, day] = match[1].split('-').map(Number);
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function isExpired(token: CurrentScimToken, now: string): boolean {
  return Date.parse(now) >= Date.parse(token.expiresAt);
}

function utcDay(isoInstant: string): string {
  return isoInstant.slice(0, 10);
}
