import request from 'supertest';
import { eventually } from './support/polling';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TestApp } from './support/test-app';

const OPERATOR = 'operator-token-0123456789abcdef';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
/** Rule M4, in the vendor's words. */
const NO_MAPPING_MATCHED = 'None of the SCIM Mapping matched to create user.';

/**
 * Rule L1's mandatory userName and display name, as every route answers their
 * absence: a SCIM create with rule M4's words, a SCIM update as an invalid
 * user, the admin's manual create by its body's validation. Pinned before the
 * checks moved into the domain (issue 16, item 3): the same input keeps the
 * same answer.
 */
describe(`missing userName or displayName, and users not the tenant's, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let admin: { clientId: string; clientSecret: string };
  let token: string;
  let ada: string;

  const scim = {
    post: (body: unknown) =>
      request(t.http)
        .post('/scim/v2/Users')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', SCIM_JSON)
        .send(body as object),
    put: (id: string, body: object) =>
      request(t.http).put(`/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON).send(body),
    patch: (id: string, operations: object[]) =>
      request(t.http)
        .patch(`/scim/v2/Users/${id}`)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', SCIM_JSON)
        .send({ schemas: [PATCH_OP], Operations: operations }),
  };
  const adminCreate = (body: object) => request(t.http).post('/admin/v1/tenants/missing/users').auth(admin.clientId, admin.clientSecret).send(body);
  const scimError = (detail: string) => ({ schemas: [SCIM_ERROR], status: '400', scimType: 'invalidValue', detail });
  const without = (attribute: string) => {
    const body: Record<string, unknown> = entraUser('someone@missing.test');
    delete body[attribute];
    return body;
  };

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    ({ admin, token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'missing', name: 'Missing' }));
    const created = await scim.post(entraUser('ada@missing.test'));
    expect(created.status).toBe(201);
    ada = created.body.id;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  describe('a SCIM create (rule M4: no mapping can match)', () => {
    it.each([
      ['without userName', without('userName')],
      ['with a blank userName', entraUser('   ')],
      ['with a userName that is not text', entraUser('x', { userName: 42 })],
      ['without displayName', without('displayName')],
      ['with a blank displayName', entraUser('blank@missing.test', { displayName: ' \t' })],
      ['with a displayName that is not text', entraUser('number@missing.test', { displayName: 7 })],
      ['without both, and with emails that are not a list', { schemas: [CORE_USER], emails: 'nobody' }],
    ])('when the IdP POSTs a user %s, then 400 invalidValue in the vendor words', async (_, body) => {
      const response = await scim.post(body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(scimError(NO_MAPPING_MATCHED));
    });

    it('when the IdP POSTs a user without displayName, then its refusal is recorded as NoMappingMatched under the userName sent (rule S2)', async () => {
      await scim.post({ schemas: [CORE_USER], userName: 'recorded@missing.test' });
      // The refusal is recorded before the answer, and reaches the feed once projected (PostgreSQL may take a moment).
      await eventually(
        () => request(t.http).get('/admin/v1/tenants/missing/audit?outcome=refused&count=1000').auth(admin.clientId, admin.clientSecret),
        (refused) =>
          refused.body.entries?.some(
            (entry: { data: Record<string, unknown> }) =>
              entry.data.operation === 'create' &&
              entry.data.reason === 'NoMappingMatched' &&
              entry.data.userName === 'recorded@missing.test' &&
              entry.data.status === 400,
          ) === true,
        10_000,
        "the refusal of recorded@missing.test's create",
      );
    });
  });

  describe('a SCIM update of an existing user (rule L1: an invalid user)', () => {
    it.each([
      ['without userName', without('userName'), 'userName is required'],
      ['with a blank userName', entraUser(' '), 'userName is required'],
      ['without displayName', without('displayName'), 'displayName is required'],
      ['with a blank displayName', entraUser('ada@missing.test', { displayName: '  ' }), 'displayName is required'],
    ])('when the IdP PUTs the user %s, then 400 invalidValue saying what is required', async (_, body, detail) => {
      const response = await scim.put(ada, body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(scimError(detail));
    });

    it.each([
      ['removes userName', { op: 'remove', path: 'userName' }, 'userName is required'],
      ['blanks userName', { op: 'replace', path: 'userName', value: '' }, 'userName is required'],
      ['removes displayName', { op: 'remove', path: 'displayName' }, 'displayName is required'],
      ['blanks displayName', { op: 'replace', path: 'displayName', value: ' ' }, 'displayName is required'],
    ])('when the IdP PATCHes the user and %s, then 400 invalidValue saying what is required', async (_, operation, detail) => {
      const response = await scim.patch(ada, [operation]);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(scimError(detail));
    });

    it('when every refused update is over, then the user is as it was', async () => {
      const read = await request(t.http).get(`/scim/v2/Users/${ada}`).set('Authorization', `Bearer ${token}`);
      expect(read.body).toMatchObject({ userName: 'ada@missing.test', displayName: 'Display ada@missing.test' });
    });
  });

  describe("an administrator's manual create", () => {
    it.each([
      ['without userName', { displayName: 'No Name' }, ['userName must be longer than or equal to 3 characters', 'userName must be a string']],
      [
        'without displayName',
        { userName: 'noname@missing.test' },
        ['displayName must be longer than or equal to 1 characters', 'displayName must be a string'],
      ],
      ['with an empty displayName', { userName: 'empty@missing.test', displayName: '' }, ['displayName must be longer than or equal to 1 characters']],
    ])('when the body comes %s, then 400 with the broken constraints', async (_, body, errors) => {
      const response = await adminCreate(body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, title: 'Bad Request', detail: 'the request body or parameters are not valid', errors });
    });

    it.each([
      ['a blank displayName', { userName: 'blank@missing.test', displayName: '   ' }, 'displayName is required'],
      ['a blank userName', { userName: '    ', displayName: 'Blank' }, 'userName is required'],
    ])('when the body comes with %s, then 422 InvalidUser saying what is required (rule L1)', async (_, body, detail) => {
      const response = await adminCreate(body);
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ status: 422, title: 'InvalidUser', detail });
    });
  });

  /** Issue 16, item 1: the tenant's check moved from a read-model row in the route to the commands, on the user's stream. */
  describe("an administrator's command on a user who is not the tenant's", () => {
    let elsewhere: string;
    let other: Awaited<ReturnType<typeof scimTenantPlacingEveryone>>;
    beforeAll(async () => {
      other = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'elsewhere', name: 'Elsewhere' });
      const created = await request(t.http)
        .post('/scim/v2/Users')
        .set('Authorization', `Bearer ${other.token}`)
        .set('Content-Type', SCIM_JSON)
        .send(entraUser('grace@elsewhere.test'));
      elsewhere = created.body.id;
    }, 60_000);
    const asAdmin = (method: 'post' | 'delete' | 'get', url: string) =>
      request(t.http)[method](`/admin/v1/tenants/missing${url}`).auth(admin.clientId, admin.clientSecret);

    it.each([
      ['preserve', 'post', '/preserve'],
      ['reactivate', 'post', '/reactivate'],
      ['legal hold', 'post', '/legal-hold'],
      ['release', 'delete', '/legal-hold'],
      ['delete for good', 'delete', ''],
    ] as const)('when the admin asks to %s a user of another tenant or an unknown one, then 404, and the user is untouched', async (_, method, suffix) => {
      for (const userId of [elsewhere, 'no-such-user']) {
        const response = await asAdmin(method, `/users/${userId}${suffix}`);
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ status: 404, detail: `user ${userId} not found` });
      }
      const theirs = await request(t.http).get(`/admin/v1/tenants/elsewhere/users/${elsewhere}`).auth(other.admin.clientId, other.admin.clientSecret);
      expect(theirs.body).toMatchObject({ status: 'Active', legalHold: false });
    });

    it.each(['history', 'state'])('when the admin reads the %s of a user of another tenant or an unknown one, then 404 Not Found', async (view) => {
      for (const userId of [elsewhere, 'no-such-user']) {
        const response = await asAdmin('get', `/users/${userId}/${view}`);
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ status: 404, title: 'Not Found', detail: `user ${userId} not found` });
      }
    });

    it("when the admin reads its own user's history and state, then they come from the user's events", async () => {
      const history = await asAdmin('get', `/users/${ada}/history`);
      expect(history.body).toMatchObject({ userId: ada, status: 'Active', totalResults: 1, entries: [expect.objectContaining({ type: 'UserCreated' })] });
      const state = await asAdmin('get', `/users/${ada}/state?revision=0`);
      expect(state.body).toMatchObject({ userId: ada, revision: 0, state: { status: 'Active', tenantId: 'missing' } });
    });
  });
});
