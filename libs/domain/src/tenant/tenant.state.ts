import type { ScimMappingFilter } from './scim-mapping-filter';
import type {
  ExpiryReminderDays,
  ProfileConfiguration,
  ScimApiCredentialsEntry,
  ScimMappingConfiguration,
  StorageHealth,
  UserManagementMethod,
} from './tenant.events';

/**
 * What a tenant's stream folds into. Every concern of the tenant (its SCIM
 * token, API credentials, catalogue, licences, user-management method) reads
 * and evolves a part of this one state, behind the one tenant stream.
 */

/** The tenant's one SCIM token (rule T2), known only by its hash. */
export interface CurrentScimToken {
  readonly tokenId: string;
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUsedAt: string | null;
  /** Rule T3: each reminder is recorded once per token. */
  readonly remindersRecorded: readonly ExpiryReminderDays[];
  /** Rule T3: the mail of each recorded reminder, by attempt; a reminder recorded before deliveries were recorded stays `sending`. */
  readonly reminderDeliveries: readonly ReminderDelivery[];
}

/** Where one reminder's mail stands. */
export interface ReminderDelivery {
  readonly daysBefore: ExpiryReminderDays;
  /** 1 for the mail sent when the reminder was recorded, one more per retry. */
  readonly attempt: number;
  /** `sending`: an instance took this attempt and has not said yet how it went. */
  readonly status: 'sending' | 'delivered' | 'failed';
  /** When a failed attempt is tried again; null when it is not (delivered, or the window closes first). */
  readonly nextAttemptAt: string | null;
}

/** A client id + secret for the admin API, distinct from the SCIM token (rule T4). */
export interface AdminApiCredential {
  readonly kind: 'admin';
  readonly credentialId: string;
  readonly clientId: string;
  readonly secretHash: string;
  readonly name: string;
  readonly issuedAt: string;
  /** Why the operator issued it into the tenant (a recovery credential); null for the tenant's own. */
  readonly reason: string | null;
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
  /** Rule T3: where reminders go; none: to the operator's fallback address. */
  readonly notificationContacts: readonly string[];
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

/** A tenant that exists: what every concern but creation and deletion decides on. */
export type Tenant = Extract<TenantState, { status: 'Active' }>;
