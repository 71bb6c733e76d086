import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { eventually } from './support/polling';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** Entra ID's documented custom extension: not one /Schemas advertises. */
const ENTRA_CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';

/**
 * Issue 18, item 4: a PATCH path is decided against the schemas /Schemas
 * serves. One naming an attribute none of them defines is refused whole with
 * 400 invalidPath naming it, changes nothing (the stored user and its ETag),
 * and is recorded for the admin (rule S2); every path Entra ID and Okta
 * document still applies, in any case (RFC 7643 §2.1).
 */
describe(`PATCH paths against the advertised schemas, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let admin: { clientId: string; clientSecret: string };
  let token: string;
  let ada: string;

  const patch = (id: string, Operations: object[], requestId = randomUUID()) =>
    request(t.http)
      .patch(`/scim/v2/Users/${id}`)
      .set('Authorization', `Bearer ${token}`)
      .set('X-Request-Id', requestId)
      .set('Content-Type', SCIM_JSON)
      .send({ schemas: [PATCH_OP], Operations });
  /** The user as stored: meta.location names the port each supertest request used. */
  const stored = (user: { meta: object }) => ({ ...user, meta: { ...user.meta, location: undefined } });
  const getUser = (id: string) => request(t.http).get(`/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    ({ admin, token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'paths', name: 'Paths' }));
    const created = await request(t.http)
      .post('/scim/v2/Users')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', SCIM_JSON)
      .send(entraUser('ada@paths.test'));
    expect(created.status).toBe(201);
    ada = created.body.id;
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['an attribute of no schema', 'shoeSize', 'shoeSize'],
    ['a sub-attribute name does not have', 'name.nickName', 'name.nickName'],
    ['a value filter on a sub-attribute emails do not have', 'emails[kind eq "work"].value', 'emails.kind'],
    ["Entra ID's custom extension, which /Schemas does not advertise", `${ENTRA_CUSTOM}:x`, `${ENTRA_CUSTOM}:x`],
    ['an enterprise attribute the extension does not define', `${ENTERPRISE}:shoeSize`, `${ENTERPRISE}:shoeSize`],
  ])(
    'given a PATCH whose second operation names %s, when sent, then 400 invalidPath naming it, and the user and its ETag unchanged',
    async (_, path, named) => {
      const before = await getUser(ada);

      const refused = await patch(ada, [
        { op: 'replace', path: 'displayName', value: 'Ada King' },
        { op: 'replace', path, value: 'x' },
      ]);

      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ schemas: [SCIM_ERROR], status: '400', scimType: 'invalidPath', detail: expect.stringContaining(`"${named}"`) });
      const after = await getUser(ada);
      expect(after.headers.etag).toBe(before.headers.etag);
      expect(stored(after.body)).toEqual(stored(before.body));
    },
    TIMEOUTS.requests,
  );

  it(
    'given a PATCH refused for its path, when the admin reads the audit feed, then the refusal is there under the user with its reason and detail (rule S2)',
    async () => {
      const requestId = randomUUID();
      const refused = await patch(ada, [{ op: 'add', path: 'favouriteColour', value: 'green' }], requestId);
      expect(refused.body.scimType).toBe('invalidPath');

      const feed = await eventually(
        () => request(t.http).get(`/admin/v1/tenants/paths/audit?outcome=refused&userId=${ada}&count=1000`).auth(admin.clientId, admin.clientSecret),
        (answer) => answer.body.entries?.some((entry: { requestId: string }) => entry.requestId === requestId) === true,
        TIMEOUTS.background,
        'the refusal of the PATCH of favouriteColour',
      );

      const entry = feed.body.entries.find((e: { requestId: string }) => e.requestId === requestId);
      expect({ userId: entry.userId, ...entry.data }).toMatchObject({
        userId: ada,
        operation: 'patch',
        reason: 'invalidPath',
        status: 400,
        detail: expect.stringContaining('"favouriteColour"'),
      });
    },
    TIMEOUTS.requests,
  );

  it.each([
    ['displayName', 'Ada Byron'],
    ['DISPLAYNAME', 'Ada Byron King'],
    ['name.givenName', 'Augusta'],
    ['Name.FamilyName', 'King'],
    ['externalId', 'ada-ext-2'],
    ['title', 'Countess'],
    ['nickName', 'Ada'],
    ['emails[type eq "work"].value', 'ada@paths.test'],
    ['EMAILS[TYPE eq "work"].VALUE', 'ada@paths.test'],
    ['addresses[type eq "work"].locality', 'London'],
    ['phoneNumbers[type eq "mobile"].value', '+44 20 7946 0000'],
    [`${ENTERPRISE}:employeeNumber`, '1815'],
    [`${ENTERPRISE}:department`, 'Analytical Engines'],
    [`${ENTERPRISE}:manager`, { value: 'babbage' }],
    ['manager', { value: 'babbage' }],
    ['active', 'True'],
    // Rule A3: a mapping-only attribute of the Druva extension, which Entra sends again when the user's city changes.
    ['urn:ietf:params:scim:schemas:extension:Druva:2.0:User:city', 'Lyon'],
  ])(
    "given Entra's or Okta's documented path %s, when PATCHed, then 200",
    async (path, value) => {
      const answer = await patch(ada, [{ op: 'replace', path, value }]);
      expect([answer.status, answer.body.scimType]).toEqual([200, undefined]);
    },
    TIMEOUTS.requests,
  );
});
