import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  CORE_USER_SCHEMA,
  IdpClient,
  entraClient,
  expectListResponse,
  expectScimContentType,
  expectScimError,
  expectStatus,
  expectUserResponse,
  filterQuery,
  patchOp,
} from './support/idp-requests';
import { E2E_DATABASE, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

/*
 * Issue 18, item 5: what IdPs and their tools really send, tolerated.
 *   - resource paths in any case and with a trailing slash (Microsoft's SCIMReferenceCode Postman
 *     collection, and IdPs whose admins typed the tenant URL by hand: `/users`, `/Users/?filter=…`);
 *   - Entra's unquoted filter values (its tutorial's Example 1, `externalId eq jyoung`);
 *   - `/serviceConfiguration`, which the SCIMReferenceCode serves beside `/ServiceProviderConfig`.
 * Anything outside the filter grammar is still 400 invalidFilter.
 */

const BASES = ['/scim/v2', '/insync/scim'] as const;
const OPERATOR = 'operator-token-what-idps-send-0123';

describe(`what IdPs and their tools really send, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let entra: IdpClient;
  beforeAll(async () => {
    // One origin for every answer: supertest reaches the api on a new port each request, and bodies are compared.
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR, PUBLIC_BASE_URL: 'https://scim.example.test' });
    entra = entraClient(t, TENANT_A_TOKEN);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  /** A user of its own, created the ordinary way, with a userName that is a valid address. */
  async function givenUser(base: string = BASES[0]): Promise<{ id: string; userName: string; externalId: string }> {
    const alias = `jyoung-${randomUUID()}`;
    const body = {
      schemas: [CORE_USER_SCHEMA],
      userName: `${alias}@example.com`,
      externalId: alias,
      displayName: 'Joy Young',
      name: { givenName: 'Joy', familyName: 'Young' },
      active: true,
    };
    const user = expectUserResponse(await entra.post(`${base}/Users`, body), base, 201);
    return { id: user.id as string, userName: body.userName, externalId: alias };
  }

  describe('resource paths in any case and with a trailing slash', () => {
    describe.each(BASES)('under %s', (base) => {
      it.each(['users', 'USERS', 'uSeRs'])('given a user, when the IdP GETs /%s?filter=…, then the same ListResponse as /Users', async (spelling) => {
        const { id, userName } = await givenUser(base);
        const resources = expectListResponse(await entra.get(`${base}/${spelling}${filterQuery(`userName eq "${userName}"`)}`), base, 1);
        expect(resources[0]).toMatchObject({ id, userName });
      });

      it('given a user, when the IdP GETs /Users/?filter=… (a trailing slash before the query), then that user', async () => {
        const { id, userName } = await givenUser(base);
        const resources = expectListResponse(await entra.get(`${base}/Users/${filterQuery(`userName eq "${userName}"`)}`), base, 1);
        expect(resources[0]).toMatchObject({ id });
      });

      it('given a user, when the IdP GETs /users/<id>/ (lower case, trailing slash), then 200 with the user and its canonical location', async () => {
        const { id } = await givenUser(base);
        const user = expectUserResponse(await entra.get(`${base}/users/${id}/`), base);
        expect(user).toMatchObject({ id, meta: { location: expect.stringMatching(new RegExp(`${base}/Users/${id}$`)) } });
      });

      it('when the IdP POSTs to /users, then 201 and Location names the canonical /Users path under the base it used', async () => {
        const alias = `lower-${randomUUID()}`;
        const response = await entra.post(`${base}/users`, {
          schemas: [CORE_USER_SCHEMA],
          userName: `${alias}@example.com`,
          displayName: 'Lower Case',
        });
        const user = expectUserResponse(response, base, 201);
        expect(response.headers.location).toMatch(new RegExp(`^https?://[^/]+${base}/Users/${String(user.id)}$`));
      });

      it('given a user, when the IdP PATCHes /USERS/<id>, then 200 and the change is kept', async () => {
        const { id } = await givenUser(base);
        const patched = expectUserResponse(await entra.patch(`${base}/USERS/${id}`, patchOp([{ op: 'Replace', path: 'displayName', value: 'Joy Y.' }])), base);
        expect(patched).toMatchObject({ id, displayName: 'Joy Y.' });
        expect(expectUserResponse(await entra.get(`${base}/Users/${id}`), base)).toMatchObject({ displayName: 'Joy Y.' });
      });

      it('given a user, when the IdP GETs its id upper-cased, then 404: ids are compared as stored, only the resource path is case-insensitive', async () => {
        const { id } = await givenUser(base);
        expectScimError(await entra.get(`${base}/users/${id.toUpperCase()}`), 404);
      });

      it.each(['serviceproviderconfig', 'SERVICEPROVIDERCONFIG', 'ServiceProviderConfig/'])(
        'when the IdP GETs /%s, then the ServiceProviderConfig',
        async (spelling) => {
          const canonical = await entra.get(`${base}/ServiceProviderConfig`);
          expectStatus(canonical, 200);
          const response = await entra.get(`${base}/${spelling}`);
          expectStatus(response, 200);
          expect(response.body).toEqual(canonical.body);
        },
      );

      it('when the IdP GETs /schemas/ and /resourcetypes/User, then the discovery documents', async () => {
        const schemas = await entra.get(`${base}/schemas/`);
        expectStatus(schemas, 200);
        expect(schemas.body).toEqual((await entra.get(`${base}/Schemas`)).body);
        const userType = await entra.get(`${base}/resourcetypes/User`);
        expectStatus(userType, 200);
        expect(userType.body).toMatchObject({ id: 'User', endpoint: '/Users' });
      });

      it('when the IdP GETs /groups/, then the empty ListResponse of /Groups', async () => {
        const response = await entra.get(`${base}/groups/`);
        expectStatus(response, 200);
        expect(response.body).toMatchObject({ totalResults: 0, Resources: [] });
      });

      it('when the IdP GETs /users without its token, then 401 as for /Users', async () => {
        const response = await request(t.http).get(`${base}/users`);
        expectScimError(response, 401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      });
    });

    it('when the admin API is called with another case or a trailing slash, then it answers as the admin API (problem details), not as SCIM', async () => {
      for (const path of ['/admin/v1/tenants/tenant-a', '/Admin/v1/tenants/tenant-a', '/admin/v1/tenants/tenant-a/']) {
        const response = await request(t.http).get(path);
        expect({ path, status: response.status, type: response.headers['content-type'] }).toEqual({
          path,
          status: 401,
          type: expect.stringMatching(/^application\/problem\+json/),
        });
      }
    });

    it('when the operator names a tenant id in another case, then 404, and in its own case 200: admin path params keep their case', async () => {
      const licences = (tenantId: string) =>
        request(t.http)
          .put(`/Admin/V1/Tenants/${tenantId}/licences`)
          .set('Authorization', `Bearer ${OPERATOR}`)
          .send({ activeLicences: 0, preservedLicences: 0 });
      const other = await licences('TENANT-A');
      expect({ status: other.status, type: other.headers['content-type'] }).toEqual({
        status: 404,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      expect((await licences('tenant-a')).status).toBe(200);
    });

    it('when the Swagger UI and its document are opened, with or without a trailing slash, then 200', async () => {
      for (const path of ['/admin/docs', '/admin/docs/']) {
        const ui = await request(t.http).get(path);
        expect({ path, status: ui.status }).toEqual({ path, status: 200 });
        expect(ui.text).toContain('swagger-ui');
      }
      const document = await request(t.http).get('/admin/docs/openapi.json');
      expect(document.status).toBe(200);
      expect(Object.keys(document.body.paths).length).toBeGreaterThan(5);
    });
  });

  describe("Entra's unquoted filter values ([tutorial Example 1]: externalId eq jyoung)", () => {
    it('given a user, when Entra filters externalId eq <bare word>, then that user', async () => {
      const { id, externalId } = await givenUser();
      const resources = expectListResponse(await entra.get(`/scim/v2/Users${filterQuery(`externalId eq ${externalId}`)}`), '/scim/v2', 1);
      expect(resources[0]).toMatchObject({ id, externalId });
    });

    it('given a user, when Entra filters userName eq <bare address>, then that user, as with the quoted address', async () => {
      const { id, userName } = await givenUser();
      const resources = expectListResponse(await entra.get(`/scim/v2/Users${filterQuery(`userName eq ${userName.toUpperCase()}`)}`), '/scim/v2', 1);
      expect(resources[0]).toMatchObject({ id, userName });
    });

    it('given a user, when a bare value is joined with active eq true, then the boolean still compares as a boolean', async () => {
      const { id, externalId } = await givenUser();
      const active = expectListResponse(await entra.get(`/scim/v2/Users${filterQuery(`externalId eq ${externalId} and active eq true`)}`), '/scim/v2', 1);
      expect(active[0]).toMatchObject({ id });
      expectListResponse(await entra.get(`/scim/v2/Users${filterQuery(`(externalId eq ${externalId}) and active eq false`)}`), '/scim/v2', 0);
    });

    it('given a user, when the bare value sits in a value path, then it matches too', async () => {
      const { id, externalId } = await givenUser();
      const resources = expectListResponse(
        await entra.get(`/scim/v2/Users${filterQuery(`emails[value eq ${externalId}@example.com] or externalId eq ${externalId}`)}`),
        '/scim/v2',
        1,
      );
      expect(resources[0]).toMatchObject({ id });
    });

    it.each([
      ['two bare words', 'displayName eq Joy Young'],
      ['a quote inside a bare word', 'externalId eq jy"oung'],
      ['a bracket instead of a value', 'externalId eq [jyoung]'],
      ['a parenthesis instead of a value', 'externalId eq (jyoung)'],
      ['a bare number for a string', 'externalId eq 12345'],
      ['a bare true for a string', 'externalId eq true'],
      ['a bare word for a boolean', 'active eq yes'],
      ['a bare word and no operator', 'externalId jyoung'],
      ['a bare word after pr', 'externalId pr jyoung'],
    ])('when the filter holds %s, then 400 invalidFilter', async (_, filter) => {
      const response = await entra.get(`/scim/v2/Users${filterQuery(filter)}`);
      expectScimError(response, 400);
      expect(response.body.scimType).toBe('invalidFilter');
    });
  });

  describe('/serviceConfiguration, the SCIMReferenceCode alias of /ServiceProviderConfig', () => {
    it.each(BASES)('when the IdP GETs %s/serviceConfiguration, then the same body as /ServiceProviderConfig', async (base) => {
      const canonical = await entra.get(`${base}/ServiceProviderConfig`);
      expectStatus(canonical, 200);
      for (const spelling of ['serviceConfiguration', 'ServiceConfiguration', 'serviceconfiguration/']) {
        const response = await entra.get(`${base}/${spelling}`);
        expectStatus(response, 200);
        expectScimContentType(response);
        expect(response.body).toEqual(canonical.body);
      }
    });

    it('when it is asked for without a token, then 401 as /ServiceProviderConfig is', async () => {
      expectScimError(await request(t.http).get('/scim/v2/serviceConfiguration'), 401);
    });

    it('when it is asked with a filter, then 403 as discovery is (RFC 7644 §4)', async () => {
      expectScimError(await entra.get(`/scim/v2/serviceConfiguration${filterQuery('id eq "x"')}`), 403);
    });
  });
});
