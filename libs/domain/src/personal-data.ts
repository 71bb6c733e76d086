import { isProvisioningRefusal } from './provisioning/provisioning-refusal';
import { provisioningRefusalsStream } from './provisioning/provisioning-refusals.stream';
import { userStream } from './user/user.stream';
import { UserEventType } from './user/user.events';

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

/** The personal fields of each user event, with their placeholders; events not listed carry none. */
const USER_EVENT_PERSONAL_FIELDS: Partial<Record<UserEventType, Readonly<Record<string, unknown>>>> = {
  UserCreated: {
    userName: SHREDDED,
    email: SHREDDED,
    displayName: SHREDDED,
    givenName: null,
    familyName: null,
    externalId: null,
    userPrincipalName: null,
    idpAttributes: {},
  },
  UserAdoptedByIdp: { idpAttributes: {} },
  UserRenamed: { displayName: SHREDDED, givenName: null, familyName: null },
  UserEmailChanged: { userName: SHREDDED, email: SHREDDED },
  UserExternalIdChanged: { externalId: null },
  UserPrincipalNameChanged: { userPrincipalName: null },
};

const REFUSAL_PERSONAL_FIELDS = { userName: null, detail: SHREDDED } as const;

/** The policy the event store applies (PersonalDataPolicy in @scim-ledger/event-store). */
export function personalFieldsOf(
  streamId: string,
  event: { readonly type: string; readonly data: Record<string, unknown> },
): { subjectId: string; placeholders: Readonly<Record<string, unknown>> } | null {
  const userId = userStream.name.parse(streamId);
  if (userId !== null) {
    const placeholders = USER_EVENT_PERSONAL_FIELDS[event.type as UserEventType];
    return placeholders ? { subjectId: userSubject(userId), placeholders } : null;
  }
  const refusalsOf = provisioningRefusalsStream.name.parse(streamId);
  if (refusalsOf !== null && isProvisioningRefusal(event)) {
    const refusedUserId = event.data.userId;
    return { subjectId: typeof refusedUserId === 'string' ? userSubject(refusedUserId) : tenantSubject(refusalsOf), placeholders: REFUSAL_PERSONAL_FIELDS };
  }
  return null;
}
