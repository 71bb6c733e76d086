import { SHREDDED, tenantSubject, userSubject } from './personal-data';
import { personalFieldsOf } from './streams';

describe('which data is personal (crypto-shredding policy)', () => {
  it("given a user's UserCreated, then its identifying fields belong to that user and read as placeholders once shredded", () => {
    const fields = personalFieldsOf('user-u1', { type: 'UserCreated', data: {} });
    expect(fields?.subjectId).toBe(userSubject('u1'));
    expect(fields?.placeholders).toMatchObject({
      userName: SHREDDED,
      email: SHREDDED,
      displayName: SHREDDED,
      givenName: null,
      externalId: null,
      idpAttributes: {},
    });
  });

  it('given a user event that names nobody, then nothing is personal', () => {
    expect(personalFieldsOf('user-u1', { type: 'UserPreserved', data: { by: 'idp', cause: 'deactivated' } })).toBeNull();
    expect(personalFieldsOf('tenant-t1', { type: 'TenantRenamed', data: { name: 'Acme' } })).toBeNull();
  });

  it("given a refusal naming a user, then it is that user's; naming nobody yet, then the tenant's", () => {
    const refusal = (userId: string | null) => ({
      type: 'ProvisioningRefused',
      data: { userId, userName: 'ada@example.com', detail: 'ada@example.com is taken' },
    });
    expect(personalFieldsOf('provisioning-refusals-t1', refusal('u1'))?.subjectId).toBe(userSubject('u1'));
    expect(personalFieldsOf('provisioning-refusals-t1', refusal(null))?.subjectId).toBe(tenantSubject('t1'));
    expect(personalFieldsOf('provisioning-refusals-t1', refusal(null))?.placeholders).toEqual({ userName: null, detail: SHREDDED });
  });
});
