/**
 * Crypto-shredding (README, "Personal data"): which fields of which events
 * identify a person, and whose they are. The event store seals them with the
 * subject's key; forgetting the subject (a user deleted for good, rule L10, or
 * its whole tenant) leaves these placeholders readable and nothing else.
 */

/** What a shredded string field reads as. */
export const SHREDDED = '(shredded)';

export const userSubject = (userId: string) => `user:${userId}`;
/** Refusals that name no user yet (a refused create) belong to the tenant. */
export const tenantSubject = (tenantId: string) => `tenant:${tenantId}`;
