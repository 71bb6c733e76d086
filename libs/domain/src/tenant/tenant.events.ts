import type { StoredEvent } from '../stream-module';
import { listedIn } from '../event-metadata';
import type { ScimMappingFilter } from './scim-mapping-filter';

/**
 * Event types are stable past-tense strings, independent of class names, each
 * with a schema version (shared/STYLE.md point 4). Data is plain JSON: ISO
 * 8601 UTC strings for instants, never Date objects.
 */

/** How a tenant's users are managed (rule T6); `manual` means by administrators only. */
export type UserManagementMethod = 'manual' | 'scim' | 'ad_ldap';

/** Rule T6 decision: a new tenant manages its users manually until it switches to SCIM or AD/LDAP. */
export interface TenantCreated {
  readonly type: 'TenantCreated';
  readonly data: { readonly tenantId: string; readonly name: string; readonly userManagement: 'manual' };
}

/**
 * Rule L10: the tenant's licences. activeLicences 0 means unlimited;
 * preservedLicences are bought on top of the default preserved allowance.
 */
export interface LicenceLimitsSet {
  readonly type: 'LicenceLimitsSet';
  readonly data: { readonly activeLicences: number; readonly preservedLicences: number };
}

export interface TenantRenamed {
  readonly type: 'TenantRenamed';
  readonly data: { readonly name: string };
}

/** Rule T6: allowed only when no AD/LDAP configuration, mapping or managed user existed. */
export interface UserManagementSwitchedToScim {
  readonly type: 'UserManagementSwitchedToScim';
  readonly data: { readonly from: 'manual' | 'ad_ldap' };
}

/** A tenant that managed users manually hands them to AD/LDAP (rule T6: one method at a time). */
export interface UserManagementSwitchedToAdLdap {
  readonly type: 'UserManagementSwitchedToAdLdap';
  readonly data: { readonly from: 'manual' };
}

/**
 * Rule T6: leaving SCIM moves every user of the tenant to manual provisioning;
 * the SCIM mappings are deleted only when the admin asked (then one
 * ScimMappingRemoved per mapping follows). The SCIM token stops working at
 * once and its entry leaves the API-credentials list (decision: an IdP must
 * not keep provisioning a tenant that no longer uses SCIM).
 */
export interface UserManagementSwitchedFromScim {
  readonly type: 'UserManagementSwitchedFromScim';
  readonly data: {
    readonly to: 'manual' | 'ad_ldap';
    readonly usersMovedTo: 'manual';
    readonly deleteScimMappings: boolean;
    readonly revokedScimTokenId: string | null;
  };
}

/** The SCIM token's entry on the tenant's API-credentials list (rule T4). */
export interface ScimApiCredentialsEntry {
  readonly kind: 'scim';
  readonly tokenId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/**
 * The tenant's first SCIM token (or the first since SCIM was switched off):
 * valid 365 days (rule T2), only its SHA-256 is kept, and it creates the
 * SCIM entry on the API-credentials list (rule T4).
 */
export interface ScimTokenGenerated {
  readonly type: 'ScimTokenGenerated';
  readonly data: {
    readonly tokenId: string;
    readonly tokenHash: string;
    readonly createdAt: string;
    readonly expiresAt: string;
    readonly apiCredentialsEntry: ScimApiCredentialsEntry;
  };
}

/**
 * A new SCIM token replaces the current one, which is invalid at once (rule
 * T2); the SCIM entry on the API-credentials list is updated (rule T4).
 */
export interface ScimTokenRotated {
  readonly type: 'ScimTokenRotated';
  readonly data: {
    readonly tokenId: string;
    readonly tokenHash: string;
    readonly createdAt: string;
    readonly expiresAt: string;
    readonly previousTokenId: string;
    readonly apiCredentialsEntry: ScimApiCredentialsEntry;
  };
}

/** The current token was used; recorded at most once per UTC day so the trail stays free of noise. */
export interface ScimTokenUsed {
  readonly type: 'ScimTokenUsed';
  readonly data: { readonly tokenId: string; readonly usedAt: string };
}

export type ExpiryReminderDays = 30 | 7 | 1;

/** Rule T3 decision: the admin is to be reminded 30, 7 and 1 days before the token expires. */
export interface ScimTokenExpiryReminderDue {
  readonly type: 'ScimTokenExpiryReminderDue';
  readonly data: {
    readonly tokenId: string;
    readonly daysBefore: ExpiryReminderDays;
    readonly expiresAt: string;
    readonly dueAt: string;
  };
}

/** Who a reminder's mail went to: the tenant's notification contacts, or the operator's fallback address (rule T3). */
export type ReminderRecipients = 'contacts' | 'fallback';

/**
 * Why a reminder's mail did not go out: the mail server refused it (an SMTP
 * reply code), could not be reached, or nobody was there to write to (no
 * contacts and no ADMIN_NOTIFICATION_EMAIL). Never the server's message: it may
 * repeat an address.
 */
export type ReminderDeliveryFailure = 'refused' | 'unreachable' | 'no-recipient';

/** Rule T3: the reminder's mail reached the mail server on this attempt; nothing is sent for it again. */
export interface ScimTokenExpiryReminderDelivered {
  readonly type: 'ScimTokenExpiryReminderDelivered';
  readonly data: {
    readonly tokenId: string;
    readonly daysBefore: ExpiryReminderDays;
    readonly attempt: number;
    readonly recipients: ReminderRecipients;
    readonly deliveredAt: string;
  };
}

/**
 * Rule T3: this attempt failed. `nextAttemptAt` is when it is tried again
 * (back-off), null when that would be after the reminder's window closes: the
 * next reminder (or the expiry) is then closer than a retry.
 */
export interface ScimTokenExpiryReminderDeliveryFailed {
  readonly type: 'ScimTokenExpiryReminderDeliveryFailed';
  readonly data: {
    readonly tokenId: string;
    readonly daysBefore: ExpiryReminderDays;
    readonly attempt: number;
    readonly failure: ReminderDeliveryFailure;
    readonly smtpCode: number | null;
    readonly failedAt: string;
    readonly nextAttemptAt: string | null;
  };
}

/**
 * An instance takes the next attempt of a failed reminder. Appended at the
 * stream's revision before the mail is sent, so of several api instances only
 * the one whose append made it sends (as ScimTokenExpiryReminderDue does for
 * the first attempt).
 */
export interface ScimTokenExpiryReminderRetried {
  readonly type: 'ScimTokenExpiryReminderRetried';
  readonly data: { readonly tokenId: string; readonly daysBefore: ExpiryReminderDays; readonly attempt: number; readonly attemptedAt: string };
}

/**
 * Rule T3 (revised): where the tenant's reminders go, as its admin set them,
 * in the admin's order, duplicates (by canonical address) dropped. An empty
 * list falls back to the operator's ADMIN_NOTIFICATION_EMAIL. The addresses
 * are personal data (an admin's own mailbox): sealed with the tenant's key.
 */
export interface NotificationContactsSet {
  readonly type: 'NotificationContactsSet';
  readonly data: { readonly contacts: readonly string[] };
}

/**
 * A client id and secret for the tenant's admin API; only the secret's
 * SHA-256 is kept (the secret is shown once). Not the SCIM token (rule T4).
 * Version 2 says why the operator issued one into a tenant (a recovery
 * credential, the bootstrap tenant's first one, an imported support case);
 * null for one a tenant's admin issued itself, and for every version 1 event.
 */
export interface ApiCredentialIssued {
  readonly type: 'ApiCredentialIssued';
  readonly data: {
    readonly credentialId: string;
    readonly clientId: string;
    readonly secretHash: string;
    readonly name: string;
    readonly issuedAt: string;
    readonly reason: string | null;
  };
}

export interface ApiCredentialRevoked {
  readonly type: 'ApiCredentialRevoked';
  readonly data: { readonly credentialId: string; readonly revokedAt: string };
}

export type StorageHealth = 'healthy' | 'unhealthy';

/** Rule M6 decision: a storage starts healthy. */
export interface StorageAdded {
  readonly type: 'StorageAdded';
  readonly data: { readonly storageId: string; readonly name: string; readonly region: string; readonly health: StorageHealth };
}

/** Rule M6: creates mapped to an unhealthy storage fail; users already on it are untouched. */
export interface StorageHealthChanged {
  readonly type: 'StorageHealthChanged';
  readonly data: { readonly storageId: string; readonly health: StorageHealth };
}

/** A profile's whole configuration (rule M5); storageIds is a set, sorted. */
export interface ProfileConfiguration {
  readonly name: string;
  /** 0 = unlimited (rule M5). */
  readonly maxUsers: number;
  /** Preserved users are deleted for good after this many days; null = never (rule L10). */
  readonly autoDeletePreservedAfterDays: number | null;
  /** The storages this profile's users may be placed on (rule M7). */
  readonly storageIds: readonly string[];
}

export interface ProfileCreated {
  readonly type: 'ProfileCreated';
  readonly data: ProfileConfiguration & { readonly profileId: string };
}

/** Carries the whole new configuration, not a diff, so a reader needs no earlier event. */
export interface ProfileChanged {
  readonly type: 'ProfileChanged';
  readonly data: ProfileConfiguration & { readonly profileId: string };
}

export type QuotaUnit = 'MB' | 'GB' | 'TB';

/** Per-user quota (rule M1): amount 0–1023; 0 means unlimited whatever the unit. */
export interface Quota {
  readonly amount: number;
  readonly unit: QuotaUnit;
}

/** What an admin may edit on a mapping after creation (rule M3). */
export interface ScimMappingConfiguration {
  readonly name: string;
  readonly profileId: string;
  readonly storageId: string;
  readonly quota: Quota;
  readonly sendActivationEmail: boolean;
}

/** A new mapping goes to the bottom of the order (rule M3); its filter is fixed from now on. */
export interface ScimMappingAdded {
  readonly type: 'ScimMappingAdded';
  readonly data: ScimMappingConfiguration & { readonly mappingId: string; readonly filter: ScimMappingFilter };
}

/**
 * Name or configuration changed (rule M3: never the filter). Applies to users
 * created from now on; users created earlier stay where they are (decision).
 */
export interface ScimMappingChanged {
  readonly type: 'ScimMappingChanged';
  readonly data: ScimMappingConfiguration & { readonly mappingId: string };
}

/** The whole new order, first tried first (rule M3). */
export interface ScimMappingsReordered {
  readonly type: 'ScimMappingsReordered';
  readonly data: { readonly orderedIds: readonly string[] };
}

/** Rule M3: the mapping is gone; users it placed stay where they are, untouched. */
export interface ScimMappingRemoved {
  readonly type: 'ScimMappingRemoved';
  readonly data: { readonly mappingId: string };
}

/**
 * The operator deleted the tenant: its users are deleted for good and their
 * personal data shredded (README, "Personal data"); its tokens and
 * credentials stop working. The id is never reused.
 */
export interface TenantDeleted {
  readonly type: 'TenantDeleted';
  readonly data: Record<string, never>;
}

export type TenantEvent =
  | TenantCreated
  | TenantDeleted
  | TenantRenamed
  | LicenceLimitsSet
  | UserManagementSwitchedToScim
  | UserManagementSwitchedToAdLdap
  | UserManagementSwitchedFromScim
  | ScimTokenGenerated
  | ScimTokenRotated
  | ScimTokenUsed
  | ScimTokenExpiryReminderDue
  | ScimTokenExpiryReminderDelivered
  | ScimTokenExpiryReminderDeliveryFailed
  | ScimTokenExpiryReminderRetried
  | NotificationContactsSet
  | ApiCredentialIssued
  | ApiCredentialRevoked
  | StorageAdded
  | StorageHealthChanged
  | ProfileCreated
  | ProfileChanged
  | ScimMappingAdded
  | ScimMappingChanged
  | ScimMappingsReordered
  | ScimMappingRemoved;

export type TenantEventType = TenantEvent['type'];

export const TENANT_EVENT_SCHEMA_VERSIONS: Readonly<Record<TenantEventType, number>> = {
  TenantCreated: 1,
  TenantDeleted: 1,
  TenantRenamed: 1,
  LicenceLimitsSet: 1,
  UserManagementSwitchedToScim: 1,
  UserManagementSwitchedToAdLdap: 1,
  UserManagementSwitchedFromScim: 1,
  ScimTokenGenerated: 1,
  ScimTokenRotated: 1,
  ScimTokenUsed: 1,
  ScimTokenExpiryReminderDue: 1,
  ScimTokenExpiryReminderDelivered: 1,
  ScimTokenExpiryReminderDeliveryFailed: 1,
  ScimTokenExpiryReminderRetried: 1,
  NotificationContactsSet: 1,
  ApiCredentialIssued: 2,
  ApiCredentialRevoked: 1,
  StorageAdded: 1,
  StorageHealthChanged: 1,
  ProfileCreated: 1,
  ProfileChanged: 1,
  ScimMappingAdded: 1,
  ScimMappingChanged: 1,
  ScimMappingsReordered: 1,
  ScimMappingRemoved: 1,
};

export function isTenantEvent(event: { type: string }): event is TenantEvent {
  return listedIn(TENANT_EVENT_SCHEMA_VERSIONS, event);
}

/** The current shape of a stored tenant event: old versions are upcast on read, never rewritten (shared/STYLE.md point 4). */
export function upcastTenantEvent(stored: StoredEvent): TenantEvent {
  const version = typeof stored.metadata.schemaVersion === 'number' ? stored.metadata.schemaVersion : 1;
  if (stored.type === 'ApiCredentialIssued' && version < 2) {
    return { type: 'ApiCredentialIssued', data: { ...(stored.data as Omit<ApiCredentialIssued['data'], 'reason'>), reason: null } };
  }
  return { type: stored.type, data: stored.data } as unknown as TenantEvent;
}
