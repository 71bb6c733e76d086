import request from 'supertest';
import { AuditEntryRow, ScimUserRow } from '@scim-ledger/read-model';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TENANT_B_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe(`SCIM /Users walking skeleton on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const as = (token: string) => ({
    post: (url: string) => request(t.http).post(url).set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON),
    get: (url: string) => request(t.http).get(url).set('Authorization', `Bearer ${token}`),
    put: (url: string) => request(t.http).put(url).set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON),
    patch: (url: string) => request(t.http).patch(url).set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON),
    delete: (url: string) => request(t.http).delete(url).set('Authorization', `Bearer ${token}`),
  });
  const a = as(TENANT_A_TOKEN);
  const b = as(TENANT_B_TOKEN);
  const create = async (userName: string, overrides: Record<string, unknown> = {}) => {
    const response = await a.post('/scim/v2/Users').send(entraUser(userName, overrides));
    expect(response.status).toBe(201);
    return response.body as { id: string } & Record<string, unknown>;
  };
  const filterByUserName = (userName: string) => a.get(`/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);

  describe('authentication', () => {
    it('given no token, when listing users, then 401 with a Bearer challenge and a SCIM error', async () => {
      const response = await request(t.http).get('/scim/v2/Users');
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.headers['content-type']).toContain(SCIM_JSON);
      expect(response.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', detail: expect.any(String) });
    });

    it('given a wrong token, when listing users, then 401', async () => {
      const response = await as('not-a-real-token-at-all').get('/scim/v2/Users');
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toContain('invalid_token');
    });
  });

  describe('create then look up (Entra ID creates right after a userName lookup)', () => {
    it('given a new user, when POSTed, then 201 with Location, ETag and the stored attributes, and a filter finds it at once', async () => {
      const response = await a.post('/scim/v2/Users').set('User-Agent', 'Microsoft.Identity.Provisioning').send(entraUser('ada@example.com'));

      expect(response.status).toBe(201);
      expect(response.headers['content-type']).toContain(SCIM_JSON);
      expect(response.headers.location).toMatch(new RegExp(`/scim/v2/Users/${response.body.id}$`));
      expect(response.headers.etag).toBe('W/"0"');
      expect(response.body).toMatchObject({
        userName: 'ada@example.com',
        displayName: 'Display ada@example.com',
        externalId: 'obj-ada@example.com',
        active: true,
        name: { givenName: 'Given', familyName: 'Family' },
        emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
        meta: { resourceType: 'User', version: 'W/"0"' },
      });

      const found = await filterByUserName('ADA@example.com');
      expect(found.status).toBe(200);
      expect(found.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        totalResults: 1,
        startIndex: 1,
        itemsPerPage: 1,
      });
      expect(found.body.Resources[0].id).toBe(response.body.id);
    });

    it('given Entra test connection, when filtering on a random value, then 200 with zero results', async () => {
      const response = await filterByUserName('9d2c1b6e-no-such-user');
      expect(response.status).toBe(200);
      expect(response.body.totalResults).toBe(0);
      expect(response.body.Resources).toEqual([]);
    });

    it('given an existing userName, when POSTed again in any case, then 409 uniqueness and nothing new is stored', async () => {
      await create('dup@example.com');
      const before = await t.readModel.getRepository(ScimUserRow).count();

      const response = await a.post('/scim/v2/Users').send(entraUser('DUP@example.com'));

      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
      expect(await t.readModel.getRepository(ScimUserRow).count()).toBe(before);
    });

    it('given a password and groups in the POST, when created, then neither is stored (rule L11)', async () => {
      const user = await create('pw@example.com', { password: 'S3cret!', groups: [{ value: 'g1' }] });
      expect(JSON.stringify(user)).not.toContain('S3cret!');
      const audit = await t.readModel.getRepository(AuditEntryRow).findBy({ userId: user.id });
      expect(JSON.stringify(audit)).not.toContain('S3cret!');
    });
  });

  describe('listing', () => {
    it('given several users, when paging with startIndex and count sorted by userName, then pages are stable and totals integers', async () => {
      const other = as(TENANT_B_TOKEN);
      for (const name of ['carol', 'alice', 'bob']) {
        expect((await other.post('/scim/v2/Users').send(entraUser(`${name}@b.example`))).status).toBe(201);
      }

      const first = await other.get('/scim/v2/Users?startIndex=1&count=2&sortBy=userName');
      const second = await other.get('/scim/v2/Users?startIndex=3&count=2&sortBy=userName');
      const descending = await other.get('/scim/v2/Users?sortBy=userName&sortOrder=descending');
      const onlyTotal = await other.get('/scim/v2/Users?count=0');

      expect(first.body).toMatchObject({ totalResults: 3, itemsPerPage: 2, startIndex: 1 });
      expect(first.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['alice@b.example', 'bob@b.example']);
      expect(second.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['carol@b.example']);
      expect(descending.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['carol@b.example', 'bob@b.example', 'alice@b.example']);
      expect(onlyTotal.body).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
    });
  });

  describe('read, replace, patch, delete', () => {
    it('given a user, when GET by id, then it comes back with its ETag, and If-None-Match gives 304', async () => {
      const user = await create('get@example.com');
      const response = await a.get(`/scim/v2/Users/${user.id}`);
      expect(response.status).toBe(200);
      expect(response.body.userName).toBe('get@example.com');
      const notModified = await a.get(`/scim/v2/Users/${user.id}`).set('If-None-Match', response.headers.etag);
      expect(notModified.status).toBe(304);
    });

    it('given a user of tenant A, when tenant B reads, changes or deletes it, then 404 as for an unknown id', async () => {
      const user = await create('isolated@example.com');
      expect((await b.get(`/scim/v2/Users/${user.id}`)).status).toBe(404);
      expect((await b.put(`/scim/v2/Users/${user.id}`).send(entraUser('stolen@example.com'))).status).toBe(404);
      expect(
        (await b.patch(`/scim/v2/Users/${user.id}`).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })).status,
      ).toBe(404);
      expect((await b.delete(`/scim/v2/Users/${user.id}`)).status).toBe(404);
      expect((await b.get(`/scim/v2/Users?filter=${encodeURIComponent('userName eq "isolated@example.com"')}`)).body.totalResults).toBe(0);
      expect((await a.get(`/scim/v2/Users/${user.id}`)).body.active).toBe(true);
      expect((await a.get('/scim/v2/Users/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    });

    it('given a user, when PUT with a new display name, then renamed; when the same PUT repeats, then no new event', async () => {
      const user = await create('put@example.com');
      const renamed = await a.put(`/scim/v2/Users/${user.id}`).send(entraUser('put@example.com', { displayName: 'Renamed' }));
      expect(renamed.status).toBe(200);
      expect(renamed.body.displayName).toBe('Renamed');
      expect(renamed.headers.etag).toBe('W/"1"');

      const again = await a.put(`/scim/v2/Users/${user.id}`).send(entraUser('put@example.com', { displayName: 'Renamed' }));
      expect(again.status).toBe(200);
      expect(again.headers.etag).toBe('W/"1"');
      const audit = await t.readModel.getRepository(AuditEntryRow).find({ where: { userId: user.id }, order: { streamRevision: 'ASC' } });
      expect(audit.map((e) => e.eventType)).toEqual(['UserCreated', 'UserRenamed']);
    });

    it('given a user, when Entra PATCHes active "False", then preserved; when "True", then active again', async () => {
      const user = await create('patch@example.com');
      const off = await a.patch(`/scim/v2/Users/${user.id}`).send({ schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
      expect(off.status).toBe(200);
      expect(off.body.active).toBe(false);
      const row = await t.readModel.getRepository(ScimUserRow).findOneByOrFail({ id: user.id });
      expect(row).toMatchObject({ status: 'Preserved', preservedBy: 'idp', active: false });

      const on = await a.patch(`/scim/v2/Users/${user.id}`).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
      expect(on.body.active).toBe(true);
    });

    it('given a user, when PATCHed with a stale If-Match, then 412 and nothing changes', async () => {
      const user = await create('etag@example.com');
      await a.put(`/scim/v2/Users/${user.id}`).send(entraUser('etag@example.com', { displayName: 'v1' }));
      const stale = await a
        .patch(`/scim/v2/Users/${user.id}`)
        .set('If-Match', 'W/"0"')
        .send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'lost' }] });
      expect(stale.status).toBe(412);
      expect((await a.get(`/scim/v2/Users/${user.id}`)).body.displayName).toBe('v1');
    });

    it('given a user, when DELETEd, then 204, gone for the IdP (404) and kept Preserved for the admin (rule L4)', async () => {
      const user = await create('delete@example.com');
      const deleted = await a.delete(`/scim/v2/Users/${user.id}`);
      expect(deleted.status).toBe(204);

      expect((await a.get(`/scim/v2/Users/${user.id}`)).status).toBe(404);
      expect((await filterByUserName('delete@example.com')).body.totalResults).toBe(0);
      expect((await a.delete(`/scim/v2/Users/${user.id}`)).status).toBe(404);
      const row = await t.readModel.getRepository(ScimUserRow).findOneByOrFail({ id: user.id });
      expect(row).toMatchObject({ status: 'Preserved', deletedInIdp: true, userName: 'delete@example.com' });
    });

    it('given a DELETE with a JSON content type and no body, as IdPs send it, then 204', async () => {
      const user = await create('bodiless-delete@example.com');
      const deleted = await a.delete(`/scim/v2/Users/${user.id}`).set('Content-Type', SCIM_JSON);
      expect(deleted.status).toBe(204);
    });

    it('given the /insync/scim alias, when creating and reading, then it serves the same users (rule T1)', async () => {
      const created = await a.post('/insync/scim/Users').send(entraUser('alias@example.com'));
      expect(created.status).toBe(201);
      expect(created.headers.location).toContain('/insync/scim/Users/');
      expect((await a.get(`/scim/v2/Users/${created.body.id}`)).body.userName).toBe('alias@example.com');
    });
  });

  describe('bad input gets a SCIM error, never a 500, and stores nothing', () => {
    it('given malformed JSON, when POSTed, then 400 invalidSyntax', async () => {
      const response = await a.post('/scim/v2/Users').send('{"userName": ');
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    });

    it('given a body over the limit, when POSTed, then 413', async () => {
      const response = await a.post('/scim/v2/Users').send(entraUser('big@example.com', { displayName: 'x'.repeat(t.config.maxBodyBytes) }));
      expect(response.status).toBe(413);
      expect(response.body.status).toBe('413');
    });

    it('given a text/plain body, when POSTed, then 415 and nothing stored', async () => {
      const before = await t.readModel.getRepository(ScimUserRow).count();
      const response = await a.post('/scim/v2/Users').set('Content-Type', 'text/plain').send('userName=x');
      expect(response.status).toBe(415);
      expect(response.body.status).toBe('415');
      expect(await t.readModel.getRepository(ScimUserRow).count()).toBe(before);
    });

    it('given an unknown route, when called, then 404 in the SCIM error schema', async () => {
      const response = await a.get('/scim/v2/Nothing');
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toContain(SCIM_JSON);
      expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' });
    });

    it('given no userName, when POSTed, then 400 invalidValue', async () => {
      const response = await a.post('/scim/v2/Users').send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], displayName: 'x' });
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidValue');
    });

    it('given a malformed filter, when listing, then 400 invalidFilter, not an unfiltered list', async () => {
      await create('filtered@example.com');
      const response = await a.get(`/scim/v2/Users?filter=${encodeURIComponent('userName eq')}`);
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidFilter');
    });
  });

  describe('audit trail (rule S1)', () => {
    it('given a create with a request id and a user agent, when projected, then the audit entry carries who, when, from where', async () => {
      const response = await a
        .post('/scim/v2/Users')
        .set('X-Request-Id', 'req-entra-42')
        .set('User-Agent', 'Okta SCIM Client 1.0.0')
        .send(entraUser('audited@example.com'));
      expect(response.headers['x-request-id']).toBe('req-entra-42');

      const [entry] = await t.readModel.getRepository(AuditEntryRow).findBy({ userId: response.body.id });
      expect(entry).toMatchObject({
        tenantId: 'tenant-a',
        eventType: 'UserCreated',
        requestId: 'req-entra-42',
        userAgent: 'Okta SCIM Client 1.0.0',
        actorKind: 'scim-token',
        streamRevision: 0,
      });
      // supertest connects over loopback, IPv4 or IPv6.
      expect(entry.clientAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
      expect(Date.parse(entry.occurredAt)).not.toBeNaN();
    });
  });
});
