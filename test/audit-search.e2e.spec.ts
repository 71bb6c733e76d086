import request from 'supertest';
import { eventually } from './support/polling';
import { projectedEverythingStored } from './support/projected';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const PROBLEM = 'application/problem+json';

interface Entry {
  readonly eventType: string;
  readonly userId: string | null;
  readonly requestId: string;
  readonly data: Record<string, unknown>;
}

/**
 * Issue 18, item 6: "why wasn't leo@acme.com created?" is answered by the
 * tenant's audit feed searched by the address (q=), exactly, through the
 * digest of its key: the trail holds no address column in clear.
 */
describe(`the audit feed searched by an address on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let admin: { clientId: string; clientSecret: string };
  let token: string;

  const post = (bearer: string, body: object, requestId: string) =>
    request(t.http).post('/scim/v2/Users').set('Authorization', `Bearer ${bearer}`).set('Content-Type', SCIM_JSON).set('X-Request-Id', requestId).send(body);
  const get = (path: string) => request(t.http).get(`/admin/v1/tenants/search${path}`).auth(admin.clientId, admin.clientSecret);
  const searched = async (address: string) => (await get(`/audit?q=${encodeURIComponent(address)}`)).body.entries as Entry[];
  const requestsOf = (entries: readonly Entry[]) => entries.map((entry) => `${entry.eventType} ${entry.requestId}`);

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    ({ admin, token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'search', name: 'Search' }));
    // Refused: a userName and nothing to name the user by (rules L1, M4); another tenant refuses the same address.
    expect((await post(token, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'leo@acme.com' }, 'refused-1')).status).toBe(400);
    expect((await post(TENANT_A_TOKEN, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'leo@acme.com' }, 'other-tenant')).status).toBe(
      400,
    );
    await projectedEverythingStored(t);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it('given a refused create for leo@acme.com, when the feed is searched by leo@ACME.com, then its refusal, with the userName it sent; never the other tenant’s', async () => {
    const found = await searched('leo@ACME.com');
    expect(found).toEqual([
      expect.objectContaining({ eventType: 'ProvisioningRefused', requestId: 'refused-1', data: expect.objectContaining({ userName: 'leo@acme.com' }) }),
    ]);
    expect(await searched('other@acme.com')).toEqual([]);
  });

  it('given leo created afterwards with a private email and disabled, when searched by either address, then the refusal and every entry of his; the users list finds him by either', async () => {
    const created = await post(token, entraUser('leo@acme.com', { emails: [{ primary: true, type: 'work', value: 'Leo.Private@mail.test' }] }), 'create-2');
    expect(created.status).toBe(201);
    const leo = created.body.id as string;
    const disabled = await request(t.http)
      .patch(`/scim/v2/Users/${leo}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', SCIM_JSON)
      .set('X-Request-Id', 'disable-3')
      .send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(disabled.status).toBe(200);

    const found = await eventually(
      () => searched(' LEO@acme.com'),
      (entries) => entries.length >= 3,
      TIMEOUTS.background,
      'leo’s entries in the feed',
    );
    expect(requestsOf(found)).toEqual(['ProvisioningRefused refused-1', 'UserCreated create-2', 'UserPreserved disable-3']);
    expect(requestsOf(await searched('leo.private@MAIL.TEST'))).toEqual(['UserCreated create-2', 'UserPreserved disable-3']);
    const refusedOnly = (await get(`/audit?q=leo%40acme.com&outcome=refused&format=ndjson`)).text.trim().split('\n');
    expect(refusedOnly.map((line) => JSON.parse(line).requestId)).toEqual(['refused-1']);

    for (const q of ['LEO@ACME.COM', 'leo.private']) {
      const users = await get(`/users?q=${encodeURIComponent(q)}`);
      expect(users.body.users.map((u: { id: string }) => u.id)).toEqual([leo]);
    }
  });

  it('given leo deleted for good, when searched by his address, then only the tenant’s record of the refused create: his entries forget the address with his data (README, "Personal data")', async () => {
    const [{ userId: leo }] = (await searched('leo.private@mail.test')) as Entry[];
    expect((await request(t.http).delete(`/admin/v1/tenants/search/users/${leo}`).auth(admin.clientId, admin.clientSecret)).status).toBeLessThan(300);
    const found = await eventually(
      () => searched('leo@acme.com'),
      (entries) => entries.length === 1,
      TIMEOUTS.background,
      'leo’s entries forgotten',
    );
    expect(requestsOf(found)).toEqual(['ProvisioningRefused refused-1']);
    expect(await searched('leo.private@mail.test')).toEqual([]);
    // His entries are still in the feed, by his id, redacted.
    expect((await get(`/audit?userId=${leo}`)).body.entries.length).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['longer than an address can be', `${'a'.repeat(600)}@acme.com`],
    ['holding an invisible character', 'leo\u200b@acme.com'],
  ])('given a q %s, when the feed is searched, then 400 problem details naming q', async (_case, q) => {
    const response = await get(`/audit?q=${encodeURIComponent(q)}`);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM);
    expect(JSON.stringify(response.body)).toContain('q');
  });

  it('given q twice, when the feed is searched, then 400 problem details, never a 500', async () => {
    const response = await get('/audit?q=a%40b.c&q=d%40e.f');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM);
  });
});
