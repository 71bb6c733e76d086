import { emailKey } from '@scim-ledger/domain';
import { ScimUserRow } from '../users/scim-user.row';

/**
 * A users row for tests that insert rows directly (filters, listings, the
 * differential fuzzer): an active user the IdP provisioned, nothing optional
 * set, its address the userName unless given, and the lookup columns folded
 * as the users projection folds them (emailKey) unless given. One builder, so
 * a new column is added here once.
 */
export function scimUserRow(fields: Pick<ScimUserRow, 'id' | 'tenantId' | 'userName' | 'displayName' | 'createdAt'> & Partial<ScimUserRow>): ScimUserRow {
  const row: ScimUserRow = {
    givenName: null,
    familyName: null,
    externalId: null,
    userPrincipalName: null,
    attributes: '{}',
    active: true,
    status: 'Active',
    preservedBy: null,
    deletedInIdp: false,
    preservedAt: null,
    provisionedBy: 'idp',
    mappingId: null,
    profileId: null,
    storageId: null,
    quotaAmount: null,
    quotaUnit: null,
    sendActivationEmail: null,
    legalHold: false,
    revision: 0,
    ...fields,
    email: '',
    userNameLower: '',
    emailLower: '',
    lastModified: '',
  };
  row.email = fields.email ?? fields.userName;
  row.userNameLower = fields.userNameLower ?? emailKey(fields.userName);
  row.emailLower = fields.emailLower ?? emailKey(row.email);
  row.lastModified = fields.lastModified ?? fields.createdAt;
  return row;
}
