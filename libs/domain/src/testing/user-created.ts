import type { UserEvent } from '../user/user.events';

type UserCreatedData = Extract<UserEvent, { type: 'UserCreated' }>['data'];

/**
 * An IdP's UserCreated for tests that need users in the events, not a
 * particular user: tenant t1, the userName as email and display name, no
 * placement, with whatever the test cares about overriding these.
 */
export function userCreated(userId: string, userName: string, overrides: Partial<UserCreatedData> = {}): Extract<UserEvent, { type: 'UserCreated' }> {
  return {
    type: 'UserCreated',
    data: {
      userId,
      tenantId: 't1',
      userName,
      email: userName,
      displayName: userName,
      givenName: null,
      familyName: null,
      externalId: null,
      userPrincipalName: null,
      provisionedBy: 'idp',
      placement: null,
      idpAttributes: {},
      attributes: {},
      ...overrides,
    },
  };
}
