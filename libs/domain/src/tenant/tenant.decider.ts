import { TenantEvent } from './tenant.events';
import { ApiCredentialCommand, decideApiCredentials, evolveApiCredentials } from './api-credentials';
import { CatalogueCommand, decideCatalogue, evolveCatalogue } from './catalogue';
import { decideLicences, evolveLicences, LicenceCommand } from './licences';
import { decideNotificationContacts, evolveNotificationContacts, NotificationContactsCommand } from './notification-contacts';
import { decideReminderDelivery, evolveReminderDelivery, ReminderDeliveryCommand } from './reminder-delivery';
import { decideScimToken, evolveScimToken, ScimTokenCommand } from './scim-token';
import { decideTenantLifecycle, evolveTenantLifecycle, existing, tenantCreated, TenantLifecycleCommand } from './tenant-lifecycle';
import { initialTenantState, TenantState } from './tenant.state';
import { decideUserManagement, evolveUserManagement, UserManagementCommand } from './user-management';

/**
 * The one tenant stream's decider. Each concern (the tenant itself, licences,
 * user-management method, SCIM token, API credentials, catalogue) decides and
 * evolves in its own file; this one only routes a command or event to it.
 */

export type TenantCommand =
  | TenantLifecycleCommand
  | LicenceCommand
  | UserManagementCommand
  | ScimTokenCommand
  | ReminderDeliveryCommand
  | NotificationContactsCommand
  | ApiCredentialCommand
  | CatalogueCommand;

export function decide(command: TenantCommand, state: TenantState): TenantEvent[] {
  switch (command.type) {
    case 'CreateTenant':
    case 'ChangeTenantSettings':
    case 'DeleteTenant':
      return decideTenantLifecycle(command, state);
    case 'SetLicenceLimits':
      return decideLicences(command, existing(state));
    case 'SwitchToScim':
    case 'SwitchToAdLdap':
    case 'SwitchAwayFromScim':
      return decideUserManagement(command, existing(state));
    case 'GenerateScimToken':
    case 'RecordScimTokenUse':
    case 'RecordScimTokenExpiryReminder':
      return decideScimToken(command, existing(state));
    case 'RecordScimTokenExpiryReminderAttempt':
    case 'RetryScimTokenExpiryReminder':
      return decideReminderDelivery(command, existing(state));
    case 'SetNotificationContacts':
      return decideNotificationContacts(command, existing(state));
    case 'IssueApiCredential':
    case 'RevokeApiCredential':
      return decideApiCredentials(command, existing(state));
    case 'AddStorage':
    case 'SetStorageHealth':
    case 'CreateProfile':
    case 'UpdateProfile':
    case 'AddScimMapping':
    case 'ChangeScimMapping':
    case 'ReorderScimMappings':
    case 'RemoveScimMapping':
      return decideCatalogue(command, existing(state));
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolve(state: TenantState, event: TenantEvent): TenantState {
  if (event.type === 'TenantCreated') return tenantCreated(event);
  if (state.status !== 'Active') return state;
  switch (event.type) {
    case 'TenantRenamed':
    case 'TenantDeleted':
      return evolveTenantLifecycle(state, event);
    case 'LicenceLimitsSet':
      return evolveLicences(state, event);
    case 'UserManagementSwitchedToScim':
    case 'UserManagementSwitchedToAdLdap':
    case 'UserManagementSwitchedFromScim':
      return evolveUserManagement(state, event);
    case 'ScimTokenGenerated':
    case 'ScimTokenRotated':
    case 'ScimTokenUsed':
    case 'ScimTokenExpiryReminderDue':
      return evolveScimToken(state, event);
    case 'ScimTokenExpiryReminderDelivered':
    case 'ScimTokenExpiryReminderDeliveryFailed':
    case 'ScimTokenExpiryReminderRetried':
      return evolveReminderDelivery(state, event);
    case 'NotificationContactsSet':
      return evolveNotificationContacts(state, event);
    case 'ApiCredentialIssued':
    case 'ApiCredentialRevoked':
      return evolveApiCredentials(state, event);
    case 'StorageAdded':
    case 'StorageHealthChanged':
    case 'ProfileCreated':
    case 'ProfileChanged':
    case 'ScimMappingAdded':
    case 'ScimMappingChanged':
    case 'ScimMappingsReordered':
    case 'ScimMappingRemoved':
      return evolveCatalogue(state, event);
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

export function foldTenant(events: readonly TenantEvent[], state: TenantState = initialTenantState): TenantState {
  return events.reduce(evolve, state);
}

// What callers and tests import from here, wherever its concern keeps it now.
export { dueReminders, EXPIRY_REMINDER_DAYS, expiriesWithReminderWindowOpen, SCIM_TOKEN_VALIDITY_DAYS, scimTokenStatus } from './scim-token';
export { nextReminderAttemptAt, REMINDER_RETRY_BACKOFF_MS, reminderWindowCloses, remindersToRetry } from './reminder-delivery';
export type { ReminderAttemptOutcome } from './reminder-delivery';
export { MAX_NOTIFICATION_CONTACTS } from './notification-contacts';
export { firstMatchingMapping, MAX_QUOTA_AMOUNT } from './catalogue';
export type { ProfileSpec, ScimMappingSpec } from './catalogue';
export { licenceRefusal } from './licences';
export type { LicensedUsers } from './licences';
export type { AdLdapFacts } from './user-management';
export type { TenantRefusal } from './tenant-refusal';
export { initialTenantState } from './tenant.state';
export type {
  AdminApiCredential,
  ApiCredentialsEntry,
  CurrentScimToken,
  ReminderDelivery,
  LicenceLimits,
  Profile,
  ScimMapping,
  Storage,
  TenantState,
} from './tenant.state';
