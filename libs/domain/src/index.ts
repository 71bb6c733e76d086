export * from './event-metadata';
export * from './stream-module';
export * from './streams';
export * from './user/user.stream';
export * from './tenant/tenant.stream';
export * from './reservation/email-reservation.stream';
export * from './profile-seats/profile-seats.stream';
export * from './provisioning/provisioning-refusals.stream';
export * from './group/group.stream';
export * from './group/group.events';
export * from './group/group.decider';
export * from './group/group-name-claim';
export * from './user/user.events';
export * from './user/user.decider';
export * from './user/required-attributes';
export * from './user/user-attributes';
export * from './tenant/tenant.events';
export * from './tenant/scim-mapping-filter';
// decide/evolve are the user decider's names above; the tenant's are re-exported under their own.
export { decide as decideTenant, evolve as evolveTenant } from './tenant/tenant.decider';
export {
  dueReminders,
  EXPIRY_REMINDER_DAYS,
  expiriesWithReminderWindowOpen,
  firstMatchingMapping,
  foldTenant,
  initialTenantState,
  licenceRefusal,
  MAX_NOTIFICATION_CONTACTS,
  MAX_QUOTA_AMOUNT,
  nextReminderAttemptAt,
  REMINDER_RETRY_BACKOFF_MS,
  reminderWindowCloses,
  remindersToRetry,
  SCIM_TOKEN_VALIDITY_DAYS,
  scimTokenStatus,
} from './tenant/tenant.decider';
export type {
  AdLdapFacts,
  AdminApiCredential,
  ApiCredentialsEntry,
  CurrentScimToken,
  LicenceLimits,
  LicensedUsers,
  Profile,
  ProfileSpec,
  ReminderAttemptOutcome,
  ReminderDelivery,
  ScimMapping,
  ScimMappingSpec,
  Storage,
  TenantCommand,
  TenantRefusal,
  TenantState,
} from './tenant/tenant.decider';
export * from './reservation/email-reservation';
export * from './profile-seats/profile-seats';
export * from './provisioning/placement';
export * from './provisioning/provisioning-refusal';
export * from './user/user-history';
export * from './user/preserved-user-auto-delete';
export * from './personal-data';
export * from './text/stored-text';
export * from './text/canonical-address';
export * from './text/simple-lower-case';
export * from './domain-refused';
