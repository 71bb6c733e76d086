import request from 'supertest';
import { E2E_DATABASE, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP_ID = '40734ae655284ad3abcc';
const EMPTY_LIST = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
  totalResults: 0,
  itemsPerPage: 0,
  startIndex: 1,
  Resources: [],
};

/** The requests Entra ID sends when group provisioning is switched on. */
const entraGroup = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
  displayName: 'Engineering',
  meta: { resourceType: 'Group' },
};
const addMember = { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: 'some-user-id' }] }] };

describe(`SCIM /Groups stub on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const authorised = (test: request.Test) => test.set('Authorization', `Bearer ${TENANT_A_TOKEN}`);
  const withBody = (test: request.Test) => authorised(test).set('Content-Type', SCIM_JSON);
  const writes = (prefix: string) =>
    [
      ['POST', `${prefix}/Groups`, () => withBody(request(t.http).post(`${prefix}/Groups`)).send(entraGroup)],
      ['PUT', `${prefix}/Groups/${GROUP_ID}`, () => withBody(request(t.http).put(`${prefix}/Groups/${GROUP_ID}`)).send(entraGroup)],
      ['PATCH', `${prefix}/Groups/${GROUP_ID}`, () => withBody(request(t.http).patch(`${prefix}/Groups/${GROUP_ID}`)).send(addMember)],
      ['DELETE', `${prefix}/Groups/${GROUP_ID}`, () => authorised(request(t.http).delete(`${prefix}/Groups/${GROUP_ID}`))],
    ] as const;

  describe.each(['/scim/v2', '/insync/scim'])('under %s (rule T1)', (prefix) => {
    it.each([
      ['GET', `${prefix}/Groups`],
      ['GET', `${prefix}/Groups/${GROUP_ID}`],
      ['POST', `${prefix}/Groups`],
      ['PATCH', `${prefix}/Groups/${GROUP_ID}`],
      ['DELETE', `${prefix}/Groups/${GROUP_ID}`],
    ])('given no token, when %s %s, then 401 with a Bearer challenge', async (method, url) => {
      const response = await request(t.http)[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](url);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.body).toMatchObject({ schemas: [ERROR], status: '401' });
    });

    it('given no groups, when listing them, then 200 with an empty ListResponse', async () => {
      const response = await authorised(request(t.http).get(`${prefix}/Groups`));
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toContain(SCIM_JSON);
      expect(response.body).toEqual(EMPTY_LIST);
    });

    it('given Entra test connection, when it looks up a random group by displayName without members, then 200 with zero results', async () => {
      const filter = encodeURIComponent('displayName eq "3f2a9b1c-random-group"');
      const response = await authorised(request(t.http).get(`${prefix}/Groups?excludedAttributes=members&filter=${filter}`));
      expect(response.status).toBe(200);
      expect(response.body).toEqual(EMPTY_LIST);
    });

    it('given startIndex and count, when listing groups, then still the empty list', async () => {
      const response = await authorised(request(t.http).get(`${prefix}/Groups?startIndex=5&count=10`));
      expect(response.status).toBe(200);
      expect(response.body).toEqual(EMPTY_LIST);
    });

    it('given any id, when GET /Groups/{id}, then 404 as a SCIM error saying groups are not supported', async () => {
      const response = await authorised(request(t.http).get(`${prefix}/Groups/${GROUP_ID}?excludedAttributes=members`));
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toContain(SCIM_JSON);
      expect(response.body).toEqual({ schemas: [ERROR], status: '404', detail: expect.stringContaining('groups are not supported') });
    });

    it.each(writes(prefix).map(([method, url, send]) => [method, url, send]))(
      'given group provisioning left on in the IdP, when %s %s, then 501 telling the admin to turn it off (RFC 7644 §3.12)',
      async (_method, _url, send) => {
        const response = await send();
        expect(response.status).toBe(501);
        expect(response.headers['content-type']).toContain(SCIM_JSON);
        expect(response.body).toEqual({
          schemas: [ERROR],
          status: '501',
          detail: expect.stringMatching(/groups are not supported.*turn off group provisioning/i),
        });
      },
    );
  });
});
