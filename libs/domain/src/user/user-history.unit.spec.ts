import { identityProviderOf, membershipsAsOf, StoredUserEvent, userHistory, UserMembershipChange, userStateAsOf } from './user-history';

const entra = { kind: 'scim-token', id: 'tok-1' };
const stored = (revision: number, type: string, data: Record<string, unknown>, occurredAt: string, extra: Record<string, unknown> = {}): StoredUserEvent => ({
  revision,
  type,
  data,
  metadata: {
    schemaVersion: type === 'UserCreated' || type === 'UserDeletedPermanently' ? 2 : 1,
    occurredAt,
    actor: entra,
    requestId: `req-${revision}`,
    userAgent: 'Microsoft.AAD.Provisioning',
    clientAddress: '10.0.0.1',
    ...extra,
  },
});
const profile = {
  userName: 'ada@x.test',
  email: 'ada@x.test',
  displayName: 'Ada',
  givenName: null,
  familyName: null,
  externalId: 'obj-1',
  userPrincipalName: null,
};
const placement = { mappingId: 'eng', profileId: 'staff', storageId: 'eu', quota: { amount: 5, unit: 'GB' }, sendActivationEmail: true };
const stream: StoredUserEvent[] = [
  stored(0, 'UserCreated', { userId: 'u1', tenantId: 't1', ...profile, provisionedBy: 'idp', placement, idpAttributes: {} }, '2026-01-01T00:00:00.000Z'),
  stored(1, 'UserRenamed', { displayName: 'Ada King', givenName: null, familyName: null }, '2026-02-01T00:00:00.000Z'),
  stored(2, 'UserPreserved', { by: 'idp', cause: 'deactivated' }, '2026-03-01T00:00:00.000Z'),
  stored(3, 'UserReactivated', { by: 'admin' }, '2026-04-01T00:00:00.000Z', { actor: { kind: 'admin-credential', id: 'cred-9' }, userAgent: 'curl/8' }),
];

describe('userHistory (rules S1, S3)', () => {
  it("given a user's events, when its history is read, then each entry says who did what, with the request id", () => {
    const { entries } = userHistory(stream);
    expect(entries.map((entry) => entry.summary)).toEqual([
      'Created as ada@x.test by Microsoft Entra ID in profile staff on storage eu (mapping eng), request req-0',
      'Changed displayName to "Ada King" by Microsoft Entra ID, request req-1',
      'Preserved: deactivated by Microsoft Entra ID, request req-2',
      'Reactivated by an administrator (credential cred-9), request req-3',
    ]);
    expect(entries[2]).toMatchObject({ revision: 2, occurredAt: '2026-03-01T00:00:00.000Z', clientAddress: '10.0.0.1', requestId: 'req-2' });
  });

  it('given a rename and a preservation, when the history is read, then each entry carries exactly the attributes it changed', () => {
    const { entries } = userHistory(stream);
    expect(entries[1].changes).toEqual([{ attribute: 'displayName', from: 'Ada', to: 'Ada King' }]);
    expect(entries[2].changes).toEqual([
      { attribute: 'status', from: 'Active', to: 'Preserved' },
      { attribute: 'preservedBy', from: null, to: 'idp' },
    ]);
    expect(entries[0].changes).toEqual(expect.arrayContaining([{ attribute: 'profileId', from: null, to: 'staff' }]));
  });

  it('given a moment between events, when the state as of it is folded, then it is the state then', () => {
    expect(userStateAsOf(stream, { until: '2026-03-15T00:00:00Z' })).toMatchObject({ status: 'Preserved', profile: { displayName: 'Ada King' } });
    expect(userStateAsOf(stream, { revision: 0 })).toMatchObject({ status: 'Active', profile: { displayName: 'Ada' } });
    expect(userStateAsOf(stream, { until: '2025-12-31T00:00:00Z' })).toEqual({ status: 'Initial' });
    expect(userStateAsOf(stream, {})).toMatchObject({ status: 'Active', profile: { displayName: 'Ada King' } });
  });

  it('given user agents, when naming the IdP, then Entra, Okta and OneLogin are recognised and others are not', () => {
    expect(identityProviderOf('Okta SCIM Client 1.0.0')).toBe('Okta');
    expect(identityProviderOf('OneLogin SCIM')).toBe('OneLogin');
    expect(identityProviderOf('curl/8.5')).toBeNull();
  });
});

describe("a user's membership changes in its history (rule G2)", () => {
  const change = (groupId: string, name: string, kind: UserMembershipChange['change'], revision: number, occurredAt: string): UserMembershipChange => ({
    groupId,
    groupDisplayName: name,
    change: kind,
    streamId: `group-${groupId}`,
    revision,
    eventType: kind === 'group_deleted' ? 'GroupDeleted' : revision === 0 ? 'GroupCreated' : 'GroupMembersChanged',
    occurredAt,
    actor: { kind: 'scim-token', id: 'tok-2' },
    userAgent: 'Okta SCIM Client',
    clientAddress: null,
    requestId: `okta-${groupId}-${revision}`,
  });
  const memberships = [
    change('sales', 'Sales', 'group_deleted', 2, '2026-03-15T00:00:00.000Z'),
    change('sales', 'Sales', 'added', 0, '2026-01-15T00:00:00.000Z'),
    change('ops', 'Ops', 'added', 0, '2026-02-01T00:00:00.000Z'),
    change('ops', 'Ops', 'removed', 1, '2026-05-01T00:00:00.000Z'),
  ];

  it("given its events and its membership changes, when the history is read, then they come in one list by time, the user's own first at the same instant", () => {
    const { entries, state } = userHistory(stream, memberships);
    expect(entries.map((entry) => entry.summary)).toEqual([
      'Created as ada@x.test by Microsoft Entra ID in profile staff on storage eu (mapping eng), request req-0',
      'Added to group "Sales" by Okta, request okta-sales-0',
      'Changed displayName to "Ada King" by Microsoft Entra ID, request req-1',
      'Added to group "Ops" by Okta, request okta-ops-0',
      'Preserved: deactivated by Microsoft Entra ID, request req-2',
      'No longer in group "Sales": the group was deleted by Okta, request okta-sales-2',
      'Reactivated by an administrator (credential cred-9), request req-3',
      'Removed from group "Ops" by Okta, request okta-ops-1',
    ]);
    expect(entries[1]).toMatchObject({
      revision: 0,
      streamId: 'group-sales',
      type: 'GroupCreated',
      group: { id: 'sales', displayName: 'Sales' },
      changes: [{ attribute: 'groups', from: null, to: { value: 'sales', display: 'Sales' } }],
    });
    // The groups are not the user's state: its stream alone folds it.
    expect(state).toEqual(userHistory(stream).state);
  });

  it('given membership changes, when the groups at a moment are asked for, then they are those the changes up to it leave', () => {
    expect(membershipsAsOf(memberships, '2026-01-01T00:00:00.000Z')).toEqual([]);
    expect(membershipsAsOf(memberships, '2026-02-01T00:00:00.000Z')).toEqual([
      { id: 'ops', displayName: 'Ops' },
      { id: 'sales', displayName: 'Sales' },
    ]);
    expect(membershipsAsOf(memberships, '2026-04-01T00:00:00.000Z')).toEqual([{ id: 'ops', displayName: 'Ops' }]);
    expect(membershipsAsOf(memberships, null)).toEqual([]);
  });
});
