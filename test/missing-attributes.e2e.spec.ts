import request from 'supertest';
import { eventually } from './support/polling';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TestApp } from './support/test-app';

const OPERATOR = 'operator-token-0123456789abcdef';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
/** Rule M4, in the vendor's words, then what was missing. */
const NO_MAPPING_MATCHED = 'None of the SCIM Mapping matched to create user.';
const USERNAME_REQUIRED = 'userName is required';
/** Rule L1 (revised): a display name is derived from name when it is absent, so only both missing refuse. */
const DISPLAY_NAME_REQUIRED = 'displayName is required, and name has no givenName, familyName or formatted to derive it from';

/**
 * Rule L1's mandatory userName and display name, as every route answers their
 * absence: a SCIM create with rule M4's words, then what was missing, a SCIM
 * update as an invalid user, the admin's manual create by its body's
 * validation. Pinned before the checks moved into the domain (issue 16, item
 * 3). Issue 18, item 3: a display name absent is derived from name (L1
 * revised), so only a user with neither is refused.
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
  const without = (...attributes: string[]) => {
    const body: Record<string, unknown> = entraUser('someone@missing.test');
    for (const attribute of attributes) delete body[attribute];
    return body;
  };
  const blankName = { givenName: ' ', familyName: '', formatted: '\t' };
  const getUser = (id: string) => request(t.http).get(`/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`);
  /** What a GET afterwards must return: the written (or derived) user, whatever port this request's URL names. */
  const asRead = (user: { meta: object }) => ({ ...user, meta: { ...user.meta, location: expect.any(String) } });

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
      ['without userName', without('userName'), USERNAME_REQUIRED],
      ['with a blank userName', entraUser('   '), USERNAME_REQUIRED],
      ['with a userName that is not text', entraUser('x', { userName: 42 }), USERNAME_REQUIRED],
      ['without displayName or name', without('displayName', 'name'), DISPLAY_NAME_REQUIRED],
      ['with a blank displayName and a blank name', entraUser('blank@missing.test', { displayName: ' \t', name: blankName }), DISPLAY_NAME_REQUIRED],
      ['with a displayName and a name that are not text', entraUser('number@missing.test', { displayName: 7, name: { givenName: 1 } }), DISPLAY_NAME_REQUIRED],
      ['with a name that is not an object', entraUser('string@missing.test', { displayName: null, name: 'Ada Lovelace' }), DISPLAY_NAME_REQUIRED],
      ['without both, and with emails that are not a list', { schemas: [CORE_USER], emails: 'nobody' }, USERNAME_REQUIRED],
    ])("when the IdP POSTs a user %s, then 400 invalidValue in the vendor's words, then what is missing", async (_, body, missing) => {
      const response = await scim.post(body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(scimError(`${NO_MAPPING_MATCHED} ${missing}`));
    });

    it('when the IdP POSTs a user without displayName or name (RFC 7643 §8.1, the minimal user), then its refusal is recorded as NoMappingMatched under the userName sent (rule S2)', async () => {
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
              entry.data.detail === `${NO_MAPPING_MATCHED} ${DISPLAY_NAME_REQUIRED}` &&
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
      ['without displayName or name', without('displayName', 'name'), DISPLAY_NAME_REQUIRED],
      ['with a blank displayName and a blank name', entraUser('ada@missing.test', { displayName: '  ', name: blankName }), DISPLAY_NAME_REQUIRED],
    ])('when the IdP PUTs the user %s, then 400 invalidValue saying what is required', async (_, body, detail) => {
      const response = await scim.put(ada, body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(scimError(detail));
    });

    it.each([
      ['removes userName', { op: 'remove', path: 'userName' }, 'userName is required'],
      ['blanks userName', { op: 'replace', path: 'userName', value: '' }, 'userName is required'],
      [
        'removes displayName and name',
        [
          { op: 'remove', path: 'displayName' },
          { op: 'remove', path: 'name' },
        ],
        DISPLAY_NAME_REQUIRED,
      ],
      [
        'blanks displayName and the name parts',
        [
          { op: 'replace', path: 'displayName', value: ' ' },
          { op: 'replace', path: 'name.givenName', value: '' },
          { op: 'remove', path: 'name.familyName' },
          // Kept since issue 18 (rule A1): with it a display name would be derived (rule L1).
          { op: 'remove', path: 'name.formatted' },
        ],
        DISPLAY_NAME_REQUIRED,
      ],
    ])('when the IdP PATCHes the user and %s, then 400 invalidValue saying what is required', async (_, operation, detail) => {
      const response = await scim.patch(ada, [operation].flat());
      expect(response.status).toBe(400);
      expect(response.body).toEqual(scimError(detail));
    });

    it('when every refused update is over, then the user is as it was', async () => {
      const read = await getUser(ada);
      expect(read.body).toMatchObject({
        userName: 'ada@missing.test',
        displayName: 'Display ada@missing.test',
        name: { givenName: 'Given', familyName: 'Family' },
      });
    });
  });

  /** Rule L1, revised (issue 18, item 3): the vendor builds the display name from first and last name. */
  describe('a display name derived from name when none is sent', () => {
    const minimal = (userName: string, name: Record<string, unknown>) => ({ schemas: [CORE_USER], userName, name });

    it.each([
      ['givenName and familyName', { givenName: ' Barbara ', familyName: 'Jensen' }, 'Barbara Jensen'],
      ['givenName alone', { givenName: 'Barbara' }, 'Barbara'],
      ['familyName alone', { familyName: 'Jensen', givenName: '  ' }, 'Jensen'],
      ['formatted alone', { formatted: 'Ms. Barbara J Jensen III' }, 'Ms. Barbara J Jensen III'],
    ])(
      'when the IdP POSTs userName and a name with %s, no displayName, then 201 with the derived displayName, and a GET returns it',
      async (_, name, displayName) => {
        const userName = `derived-${displayName.replace(/\W/g, '').toLowerCase()}@missing.test`;
        const created = await scim.post(minimal(userName, name));
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ userName, displayName });
        const read = await getUser(created.body.id);
        expect(read.body).toEqual(asRead(created.body));
      },
    );

    it('when the IdP PUTs the user without displayName, then 200 with the display name of the name sent, and a GET returns it', async () => {
      const created = await scim.post(entraUser('put-derived@missing.test'));
      const { displayName: _absent, ...body } = entraUser('put-derived@missing.test', { name: { givenName: 'Augusta', familyName: 'King' } });
      const replaced = await scim.put(created.body.id, body);
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ displayName: 'Augusta King', name: { givenName: 'Augusta', familyName: 'King' } });
      expect((await getUser(created.body.id)).body).toEqual(asRead(replaced.body));
    });

    it('when the IdP PATCHes displayName away, then 200 with the display name its name gives, and a GET returns it', async () => {
      const created = await scim.post(entraUser('patch-derived@missing.test'));
      const patched = await scim.patch(created.body.id, [{ op: 'remove', path: 'displayName' }]);
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ displayName: 'Given Family' });
      expect((await getUser(created.body.id)).body).toEqual(asRead(patched.body));
    });

    it('when the IdP PATCHes displayName away and a new name in, then the display name follows the new name', async () => {
      const created = await scim.post(entraUser('patch-renamed@missing.test'));
      const patched = await scim.patch(created.body.id, [
        { op: 'remove', path: 'displayName' },
        { op: 'replace', path: 'name.givenName', value: 'Grace' },
      ]);
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ displayName: 'Grace Family', name: { givenName: 'Grace', familyName: 'Family' } });
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
      // The admin's body has no name to derive a display name from (rule L1).
      ['a blank displayName', { userName: 'blank@missing.test', displayName: '   ' }, DISPLAY_NAME_REQUIRED],
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
