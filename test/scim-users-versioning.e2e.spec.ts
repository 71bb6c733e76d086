import request from 'supertest';
import { AuditEntryRow } from '@scim-ledger/read-model';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { projectedEverythingStored } from './support/projected';
import { TravellingClock } from './support/travelling-clock';
import { TIMEOUTS } from './support/timeouts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe(`versions, concurrency and token expiry on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  const clock = new TravellingClock();
  beforeAll(async () => {
    t = await startTestApp({}, clock);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const scim = {
    post: (url: string) => request(t.http).post(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON),
    get: (url: string) => request(t.http).get(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`),
    put: (url: string) => request(t.http).put(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON),
    patch: (url: string) => request(t.http).patch(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON),
    delete: (url: string) => request(t.http).delete(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`),
  };
  const rename = (displayName: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: displayName }] });

  it('given ten PATCHes of one user at once without If-Match, then all are applied: ten events, none lost (RFC 7644 §3.14)', async () => {
    const user = (await scim.post('/scim/v2/Users').send(entraUser('race@example.com'))).body;

    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => scim.patch(`/scim/v2/Users/${user.id}`).send(rename(`Name ${i}`))));

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const audit = await t.readModel.getRepository(AuditEntryRow).findBy({ userId: user.id, eventType: 'UserRenamed' });
    expect(audit).toHaveLength(10);
    expect(new Set(audit.map((e) => JSON.parse(e.data).displayName)).size).toBe(10);
    expect((await scim.get(`/scim/v2/Users/${user.id}`)).headers.etag).toBe('W/"10"');
  });

  it('given a current If-Match, when PUT, then applied with the next version; a stale one on DELETE gets 412 and the user stays', async () => {
    const user = (await scim.post('/scim/v2/Users').send(entraUser('etag2@example.com'))).body;
    const put = await scim
      .put(`/scim/v2/Users/${user.id}`)
      .set('If-Match', 'W/"0"')
      .send(entraUser('etag2@example.com', { displayName: 'v1' }));
    expect(put.status).toBe(200);
    expect(put.headers.etag).toBe('W/"1"');

    const staleDelete = await scim.delete(`/scim/v2/Users/${user.id}`).set('If-Match', 'W/"0"');
    expect(staleDelete.status).toBe(412);
    expect(staleDelete.body.status).toBe('412');
    expect((await scim.get(`/scim/v2/Users/${user.id}`)).status).toBe(200);
  });

  it('given If-Match: *, when PATCH, PUT and DELETE, then each applies at whatever version the user is (RFC 7232 §3.1)', async () => {
    const user = (await scim.post('/scim/v2/Users').send(entraUser('any-version@example.com'))).body;

    const patched = await scim.patch(`/scim/v2/Users/${user.id}`).set('If-Match', '*').send(rename('Patched'));
    expect({ status: patched.status, etag: patched.headers.etag }).toEqual({ status: 200, etag: 'W/"1"' });
    const put = await scim
      .put(`/scim/v2/Users/${user.id}`)
      .set('If-Match', '*')
      .send(entraUser('any-version@example.com', { displayName: 'Put' }));
    expect({ status: put.status, etag: put.headers.etag, displayName: put.body.displayName }).toEqual({ status: 200, etag: 'W/"2"', displayName: 'Put' });
    // Among other tags too: a list matches when any of its tags does.
    const deleted = await scim.delete(`/scim/v2/Users/${user.id}`).set('If-Match', 'W/"0", *');
    expect(deleted.status).toBe(204);
    expect((await scim.get(`/scim/v2/Users/${user.id}`)).status).toBe(404);
  });

  it('given a PATCH of the read-only id, when sent, then 400 mutability and nothing changes', async () => {
    const user = (await scim.post('/scim/v2/Users').send(entraUser('readonly@example.com'))).body;
    const response = await scim.patch(`/scim/v2/Users/${user.id}`).send({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'id', value: 'other' }] });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('mutability');
    expect((await scim.get(`/scim/v2/Users/${user.id}`)).headers.etag).toBe('W/"0"');
  });

  it('given a token 366 days old, when the IdP calls, then 401 saying the token expired (rules T2, T3)', async () => {
    expect((await scim.get('/scim/v2/Users')).status).toBe(200);
    clock.travelDays(366);
    try {
      const response = await scim.get('/scim/v2/Users');
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toContain('invalid_token');
      expect(response.body.detail).toMatch(/expired/);
      // Rule S2: the admin sees it once, not once per call of a busy IdP.
      expect((await scim.get('/scim/v2/Users').set('X-Request-Id', 'expired-again')).status).toBe(401);
      // A refusal is appended before its answer: once the read model holds every stored event, a second one would show.
      await projectedEverythingStored(t);
      const recorded = (await t.readModel.getRepository(AuditEntryRow).findBy({ eventType: 'ProvisioningRefused' })).filter(
        (entry) => JSON.parse(entry.data).operation === 'authenticate',
      );
      expect(recorded).toHaveLength(1);
      expect(JSON.parse(recorded[0].data)).toMatchObject({ operation: 'authenticate', reason: 'TokenExpired', status: 401 });
    } finally {
      clock.backToNow();
    }
  });
});
