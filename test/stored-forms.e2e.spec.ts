import request from 'supertest';
import { createdTenant } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TENANT_B_TOKEN, TestApp } from './support/test-app';

const OPERATOR = 'operator-token-0123456789abcdef';

/**
 * Issue 15, findings 1(a) and 4: what is refused is decided on the value as
 * it will be stored (folded, in characters as PostgreSQL counts them), and
 * an address is unique under one canonical form. On PostgreSQL a value that
 * overflowed its column after the 201 stopped the projector for everyone,
 * so each case ends by checking that a later write is still readable.
 */
describe(`stored forms on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let credential: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    credential = await createdTenant(t, OPERATOR, { id: 'bounds', name: 'Bounds' });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const scim = (token: string) => ({
    post: (body: object) => request(t.http).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON).send(body),
    patch: (id: string, operations: object[]) =>
      request(t.http)
        .patch(`/scim/v2/Users/${id}`)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', SCIM_JSON)
        .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }),
    get: (id: string) => request(t.http).get(`/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`),
    filter: (filter: string) => request(t.http).get('/scim/v2/Users').query({ filter }).set('Authorization', `Bearer ${token}`),
  });
  const operator = (method: 'post' | 'put' | 'get', url: string) => request(t.http)[method](url).set('Authorization', `Bearer ${OPERATOR}`);

  /** A write after the case is readable at once: the projector was not stopped by it. */
  async function projectorStillRuns(marker: string) {
    const created = await scim(TENANT_B_TOKEN).post(entraUser(`${marker}@still-runs.test`));
    expect(created.status).toBe(201);
    expect((await scim(TENANT_B_TOKEN).filter(`userName eq "${marker}@still-runs.test"`)).body.totalResults).toBe(1);
  }

  describe('bounds on the stored form (finding 1)', () => {
    const longWhenFolded = `${'İ'.repeat(300)}@example.com`;

    it('given a userName of 312 characters that folds to 612, when created, then 400 invalidValue and the read model goes on', async () => {
      const refused = await scim(TENANT_A_TOKEN).post(entraUser(longWhenFolded));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('512 characters') });
      await projectorStillRuns('after-create');
    });

    it('given a user, when PATCHed to that userName, then 400 and the user keeps its name', async () => {
      const user = await scim(TENANT_A_TOKEN).post(entraUser('keeps-short@example.com'));
      const refused = await scim(TENANT_A_TOKEN).patch(user.body.id, [{ op: 'replace', path: 'userName', value: longWhenFolded }]);
      expect(refused.status).toBe(400);
      expect((await scim(TENANT_A_TOKEN).get(user.body.id)).body.userName).toBe('keeps-short@example.com');
      await projectorStillRuns('after-patch');
    });

    it('given a displayName of 512 emoji (1,024 UTF-16 units), when created, then it is kept whole: the bound counts characters', async () => {
      const created = await scim(TENANT_A_TOKEN).post(entraUser('emoji@example.com', { displayName: '😀'.repeat(512) }));
      expect(created.status).toBe(201);
      expect((await scim(TENANT_A_TOKEN).get(created.body.id)).body.displayName).toBe('😀'.repeat(512));
    });

    it('given an admin-created user whose userName folds past 512, when posted, then a 422 problem (the user decider refuses it)', async () => {
      const refused = await request(t.http)
        .post('/admin/v1/tenants/bounds/users')
        .auth(credential.clientId, credential.clientSecret)
        .send({ userName: longWhenFolded, displayName: 'Long' });
      expect(refused.status).toBe(422);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body.detail).toContain('512 characters');
    });

    it('given a user id of 37 to 100 characters, when PATCHed or DELETEd, then 404, and its refusal is kept without setting anything aside', async () => {
      const longId = 'a'.repeat(99);
      expect((await scim(TENANT_A_TOKEN).patch(longId, [{ op: 'replace', path: 'displayName', value: 'x' }])).status).toBe(404);
      expect((await request(t.http).delete(`/scim/v2/Users/${longId}`).set('Authorization', `Bearer ${TENANT_A_TOKEN}`)).status).toBe(404);
      await projectorStillRuns('after-long-id');
      expect((await operator('get', '/admin/v1/projection-failures')).body).toMatchObject({ totalResults: 0 });
    });

    it('given a tenant name of 200 letters each with a variation selector (400 characters), when created, then a 400 problem and the read model goes on', async () => {
      const refused = await operator('post', '/admin/v1/tenants').send({ id: 'selectors', name: 'a\ufe0f'.repeat(200) });
      expect(refused.status).toBe(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      const fits = await operator('post', '/admin/v1/tenants').send({ id: 'fits', name: 'a\ufe0f'.repeat(100) });
      expect(fits.status).toBe(201);
      const { clientId, clientSecret } = fits.body.apiCredential;
      const read = await request(t.http).get('/admin/v1/tenants/fits').auth(clientId, clientSecret);
      expect(JSON.stringify(read.body)).toContain('a\ufe0f'.repeat(100));
      await projectorStillRuns('after-tenant');
    });
  });

  describe('one canonical address (finding 4, rule L8)', () => {
    beforeAll(async () => {
      expect((await scim(TENANT_A_TOKEN).post(entraUser('held@example.com'))).status).toBe(201);
    });

    it.each([
      ['leading and trailing spaces', '  held@example.com  '],
      ['fullwidth letters', 'ｈｅｌｄ@example.com'],
      ['a trailing dot on the domain', 'held@example.com.'],
      ['a trailing ideographic full stop on the domain', 'held@example.com\u3002'],
      ['a hair space before a trailing dot', 'held@example.com\u200a.'],
      ['upper case', 'HELD@EXAMPLE.COM'],
    ])('given an address tenant A holds, when tenant B creates it with %s, then 409 uniqueness', async (_, variant) => {
      const refused = await scim(TENANT_B_TOKEN).post(entraUser(variant));
      expect(refused.status).toBe(409);
      expect(refused.body.scimType).toBe('uniqueness');
    });

    it.each([
      ['a tab', 'fresh\t@example.com'],
      ['a zero-width space', 'fr\u200besh@example.com'],
      ['a right-to-left mark', '\u200ffresh@example.com'],
      ['a combining grapheme joiner', 'fr\u034fesh@example.com'],
      ['a variation selector', 'fresh\ufe0f@example.com'],
      ['a Hangul filler', 'fresh\u3164@example.com'],
    ])('given a new address with %s, when created, then 400 invalidValue and nothing is created', async (_, variant) => {
      const refused = await scim(TENANT_B_TOKEN).post(entraUser(variant));
      expect(refused.status).toBe(400);
      expect(refused.body.scimType).toBe('invalidValue');
      expect((await scim(TENANT_B_TOKEN).filter('userName eq "fresh@example.com"')).body.totalResults).toBe(0);
    });

    it('given decomposed accents, when another tenant holds the composed address, then 409', async () => {
      expect((await scim(TENANT_A_TOKEN).post(entraUser('josé@example.com'))).status).toBe(201);
      expect((await scim(TENANT_B_TOKEN).post(entraUser('jose\u0301@example.com'))).status).toBe(409);
    });

    it('given an address sent with ? (stored as _), when another tenant sends its fullwidth ？ and the holder looks up what it sent, then 409 and the holder is found (rule L2)', async () => {
      const held = await scim(TENANT_A_TOKEN).post(entraUser('c?d@example.com'));
      expect(held.body.userName).toBe('c_d@example.com');
      expect((await scim(TENANT_B_TOKEN).post(entraUser('c？d@example.com'))).status).toBe(409);
      expect((await scim(TENANT_B_TOKEN).post(entraUser('c_d@example.com'))).status).toBe(409);
      expect((await scim(TENANT_A_TOKEN).filter('userName eq "c?d@example.com"')).body.totalResults).toBe(1);
    });

    it('given an address held, when a filter asks for a variant of it, then the holder is found', async () => {
      const found = await scim(TENANT_A_TOKEN).filter('userName eq "ＨＥＬＤ@example.com."');
      expect(found.body.totalResults).toBe(1);
      expect(found.body.Resources[0].userName).toBe('held@example.com');
    });

    it('given 50 concurrent creates of variants of one new address from two tenants, then exactly one user exists', async () => {
      const variants = ['race@example.com', ' race@example.com', 'RACE@example.com', 'race@example.com.', 'ｒａｃｅ@example.com'];
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) => scim(i % 2 ? TENANT_A_TOKEN : TENANT_B_TOKEN).post(entraUser(variants[i % variants.length]))),
      );
      expect(responses.filter((r) => r.status >= 500)).toEqual([]);
      expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
      const holders = [TENANT_A_TOKEN, TENANT_B_TOKEN].map((token) => scim(token).filter('userName eq "race@example.com"'));
      expect((await Promise.all(holders)).map((r) => r.body.totalResults).reduce((a, b) => a + b)).toBe(1);
    }, 60_000);
  });
});
