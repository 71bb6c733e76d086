import type { PersonalFields } from '../stream-module';
import { SHREDDED, userSubject } from '../personal-data';
import type { UserEventType } from './user.events';

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
    attributes: {},
  },
  UserAttributesChanged: { changes: [] },
  // Names a client chose: they may name a person as well as any value may.
  UserAttributesIgnored: { names: [] },
  UserAdoptedByIdp: { idpAttributes: {} },
  UserRenamed: { displayName: SHREDDED, givenName: null, familyName: null },
  UserEmailChanged: { userName: SHREDDED, email: SHREDDED },
  UserExternalIdChanged: { externalId: null },
  UserPrincipalNameChanged: { userPrincipalName: null },
};

/** A user's events name the user: sealed with the user's key, shredded when it is deleted for good (rule L10) or its tenant is. */
export function personalDataOfUserEvent(userId: string, event: { readonly type: string }): PersonalFields | null {
  const placeholders = USER_EVENT_PERSONAL_FIELDS[event.type as UserEventType];
  return placeholders ? { subjectId: userSubject(userId), placeholders } : null;
}
