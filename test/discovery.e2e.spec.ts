import request from 'supertest';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const DRUVA_USER = 'urn:ietf:params:scim:schemas:extension:Druva:2.0:User';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PREFIXES = ['/scim/v2', '/insync/scim'];
const DISCOVERY_PATHS = ['/ServiceProviderConfig', '/ResourceTypes', '/ResourceTypes/User', '/Schemas', `/Schemas/${CORE_USER}`];

interface AttributeRepresentation {
  name: string;
  subAttributes?: AttributeRepresentation[];
  [characteristic: string]: unknown;
}

describe(`SCIM discovery (RFC 7644 §4) on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const get = (url: string) => request(t.http).get(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`);
  /** supertest listens on a new port per request, so locations are compared by path. */
  const withPathLocation = (resource: { meta: { location: string } }) => ({
    ...resource,
    meta: { ...resource.meta, location: new URL(resource.meta.location).pathname },
  });
  const attributeOf = (attributes: AttributeRepresentation[], name: string) => attributes.find((a) => a.name === name);

  describe('authentication: the same bearer token as /Users', () => {
    it.each(PREFIXES.flatMap((prefix) => DISCOVERY_PATHS.map((path) => [`${prefix}${path}`])))(
      'given no token, when GET %s, then 401 with a Bearer challenge and a SCIM error',
      async (url) => {
        const response = await request(t.http).get(url);
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(response.body).toEqual({ schemas: [ERROR], status: '401', detail: expect.any(String) });
      },
    );

    it('given a wrong token, when GET /ServiceProviderConfig, then 401', async () => {
      const response = await request(t.http).get('/scim/v2/ServiceProviderConfig').set('Authorization', 'Bearer not-a-real-token-at-all');
      expect(response.status).toBe(401);
    });
  });

  describe.each(PREFIXES)('under %s (rule T1)', (prefix) => {
    it('given GET /ServiceProviderConfig, then it tells what is really supported', async () => {
      const response = await get(`${prefix}/ServiceProviderConfig`);

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toContain(SCIM_JSON);
      expect(response.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
      expect(response.body.patch).toEqual({ supported: true });
      expect(response.body.bulk).toEqual({ supported: false, maxOperations: 0, maxPayloadSize: 0 });
      expect(response.body.filter).toEqual({ supported: true, maxResults: 200 });
      expect(response.body.changePassword).toEqual({ supported: false });
      expect(response.body.sort).toEqual({ supported: true });
      expect(response.body.etag).toEqual({ supported: true });
      expect(response.body.pagination).toMatchObject({ cursor: true, index: true, maxPageSize: 200 });
      expect(response.body.authenticationSchemes).toEqual([
        expect.objectContaining({ type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: expect.any(String), primary: true }),
      ]);
      expect(response.body.meta).toEqual({
        resourceType: 'ServiceProviderConfig',
        location: expect.stringMatching(new RegExp(`${prefix}/ServiceProviderConfig$`)),
      });
    });

    it('given GET /ResourceTypes, then a ListResponse with User, its endpoint and both optional extensions, and Group (rule G1)', async () => {
      const response = await get(`${prefix}/ResourceTypes`);

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toContain(SCIM_JSON);
      expect(response.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 2, itemsPerPage: 2, startIndex: 1 });
      expect(response.body.Resources.map((type: { id: string }) => type.id)).toEqual(['User', 'Group']);
      expect(response.body.Resources[1]).toEqual({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'Group',
        name: 'Group',
        description: expect.any(String),
        endpoint: '/Groups',
        schema: 'urn:ietf:params:scim:schemas:core:2.0:Group',
        schemaExtensions: [],
        meta: { resourceType: 'ResourceType', location: expect.stringMatching(new RegExp(`${prefix}/ResourceTypes/Group$`)) },
      });
      expect(response.body.Resources[0]).toEqual({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'User',
        name: 'User',
        description: expect.any(String),
        endpoint: '/Users',
        schema: CORE_USER,
        schemaExtensions: [
          { schema: ENTERPRISE_USER, required: false },
          { schema: DRUVA_USER, required: false },
        ],
        meta: { resourceType: 'ResourceType', location: expect.stringMatching(new RegExp(`${prefix}/ResourceTypes/User$`)) },
      });
    });

    it('given GET /ResourceTypes/User, then the single resource, not a ListResponse, and its meta.location resolves to it', async () => {
      const list = await get(`${prefix}/ResourceTypes`);
      const response = await get(`${prefix}/ResourceTypes/User`);

      expect(response.status).toBe(200);
      expect(response.body).not.toHaveProperty('Resources');
      expect(withPathLocation(response.body)).toEqual(withPathLocation(list.body.Resources[0]));
      expect(new URL(response.body.meta.location).pathname).toBe(`${prefix}/ResourceTypes/User`);
    });

    it.each(['Nope'])('given GET /ResourceTypes/%s, then 404 as a SCIM error', async (name) => {
      const response = await get(`${prefix}/ResourceTypes/${name}`);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toContain(SCIM_JSON);
      expect(response.body).toEqual({ schemas: [ERROR], status: '404', detail: expect.stringContaining(name) });
    });

    it('given GET /Schemas, then a ListResponse of the core User, enterprise, Druva and Group schemas, each located where GET finds it', async () => {
      const response = await get(`${prefix}/Schemas`);

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 4, itemsPerPage: 4, startIndex: 1 });
      const ids = response.body.Resources.map((schema: { id: string }) => schema.id);
      expect(ids).toEqual([CORE_USER, ENTERPRISE_USER, DRUVA_USER, 'urn:ietf:params:scim:schemas:core:2.0:Group']);
      for (const schema of response.body.Resources) {
        expect(schema.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema']);
        expect(schema.meta.resourceType).toBe('Schema');
        const located = await get(new URL(schema.meta.location).pathname);
        expect([schema.id, located.status, located.body.id]).toEqual([schema.id, 200, schema.id]);
      }
    });

    it('given GET /Schemas/{Druva URN}, then userPrincipalName with every characteristic (rule A2)', async () => {
      const response = await get(`${prefix}/Schemas/${DRUVA_USER}`);

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: DRUVA_USER, name: expect.any(String), description: expect.any(String) });
      expect(response.body.attributes).toEqual([
        {
          name: 'userPrincipalName',
          type: 'string',
          multiValued: false,
          description: expect.any(String),
          required: false,
          caseExact: false,
          mutability: 'readWrite',
          returned: 'default',
          uniqueness: 'none',
        },
        // Rule A3's examples: write-only, never returned.
        ...['city', 'country', 'department'].map((name) => expect.objectContaining({ name, mutability: 'writeOnly', returned: 'never' })),
      ]);
    });

    it('given GET /Schemas/{core User URN}, URL-encoded, then the RFC 7643 §8.7.1 characteristics of id, userName and password', async () => {
      const response = await get(`${prefix}/Schemas/${encodeURIComponent(CORE_USER)}`);

      expect(response.status).toBe(200);
      const attributes: AttributeRepresentation[] = response.body.attributes;
      expect(attributeOf(attributes, 'id')).toMatchObject({ caseExact: true, mutability: 'readOnly', returned: 'always' });
      expect(attributeOf(attributes, 'userName')).toMatchObject({ type: 'string', required: true, caseExact: false, uniqueness: 'server' });
      expect(attributeOf(attributes, 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
      expect(attributeOf(attributes, 'groups')).toMatchObject({ mutability: 'readOnly', multiValued: true });
      const emails = attributeOf(attributes, 'emails')!;
      expect(emails).toMatchObject({ type: 'complex', multiValued: true });
      expect(attributeOf(emails.subAttributes!, 'type')).toMatchObject({ canonicalValues: ['work', 'home', 'other'] });
    });

    it('given GET /Schemas/{Group URN}, then displayName (required, unique) and members with value, $ref, display and type (RFC 7643 §4.2)', async () => {
      const response = await get(`${prefix}/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group`);
      expect(response.status).toBe(200);
      const attributes: AttributeRepresentation[] = response.body.attributes;
      expect(attributeOf(attributes, 'displayName')).toMatchObject({ type: 'string', required: true, uniqueness: 'server' });
      const members = attributeOf(attributes, 'members')!;
      expect(members).toMatchObject({ type: 'complex', multiValued: true });
      expect(members.subAttributes!.map((sub) => sub.name)).toEqual(['value', '$ref', 'display', 'type']);
    });

    it.each([['an unknown URI', 'urn:example:params:scim:schemas:extension:Shoes:2.0:User']])(
      'given GET /Schemas/{%s}, then 404 as a SCIM error',
      async (_, uri) => {
        const response = await get(`${prefix}/Schemas/${uri}`);
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ schemas: [ERROR], status: '404' });
      },
    );

    it.each(['/ServiceProviderConfig', '/ResourceTypes', '/Schemas', '/ResourceTypes/User', `/Schemas/${DRUVA_USER}`])(
      'given a filter on %s, then 403 as a SCIM error, so a client never assumes its conditions held (RFC 7644 §4)',
      async (path) => {
        const response = await get(`${prefix}${path}?filter=${encodeURIComponent('name eq "User"')}`);
        expect(response.status).toBe(403);
        expect(response.headers['content-type']).toContain(SCIM_JSON);
        expect(response.body).toEqual({ schemas: [ERROR], status: '403', detail: expect.stringContaining('filter') });
      },
    );
  });

  it('given startIndex, count and sortBy on /Schemas and /ResourceTypes, then they are ignored and every item comes back (RFC 7644 §4)', async () => {
    const schemas = await get('/scim/v2/Schemas?startIndex=3&count=1&sortBy=name&sortOrder=descending');
    const types = await get('/scim/v2/ResourceTypes?startIndex=2&count=0');

    expect(schemas.status).toBe(200);
    expect(schemas.body).toMatchObject({ totalResults: 4, itemsPerPage: 4, startIndex: 1 });
    expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toEqual([
      CORE_USER,
      ENTERPRISE_USER,
      DRUVA_USER,
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    ]);
    expect(types.body).toMatchObject({ totalResults: 2, itemsPerPage: 2, startIndex: 1 });
    expect(types.body.Resources).toHaveLength(2);
  });

  it('given /Schemas, then no characteristic is null (Entra ID schema discovery) and each extension of the User type is served', async () => {
    const schemas = await get('/scim/v2/Schemas');
    const user = await get('/scim/v2/ResourceTypes/User');

    expect(JSON.stringify(schemas.body)).not.toMatch(/:null/);
    const served = schemas.body.Resources.map((s: { id: string }) => s.id);
    expect(served).toContain(user.body.schema);
    for (const extension of user.body.schemaExtensions) expect(served).toContain(extension.schema);
  });

  it('given what /ServiceProviderConfig claims, when the IdP relies on it, then ETag, sort and PATCH work and /Bulk does not exist', async () => {
    const created = await request(t.http)
      .post('/scim/v2/Users')
      .set('Authorization', `Bearer ${TENANT_A_TOKEN}`)
      .set('Content-Type', SCIM_JSON)
      .send(entraUser('claims@example.com'));
    expect(created.status).toBe(201);

    const read = await get(`/scim/v2/Users/${created.body.id}`);
    expect(read.headers.etag).toBe(created.headers.etag);
    expect((await get('/scim/v2/Users?sortBy=userName&sortOrder=descending')).status).toBe(200);
    const patched = await request(t.http)
      .patch(`/scim/v2/Users/${created.body.id}`)
      .set('Authorization', `Bearer ${TENANT_A_TOKEN}`)
      .set('Content-Type', SCIM_JSON)
      .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Claimed' }] });
    expect(patched.status).toBe(200);
    const bulk = await request(t.http)
      .post('/scim/v2/Bulk')
      .set('Authorization', `Bearer ${TENANT_A_TOKEN}`)
      .set('Content-Type', SCIM_JSON)
      .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] });
    expect(bulk.status).toBe(404);
  });
});
