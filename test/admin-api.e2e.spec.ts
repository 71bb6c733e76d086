import request from 'supertest';
import { eventually } from './support/polling';
import { projectedEverythingStored } from './support/projected';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';

const PROBLEM = 'application/problem+json';

const engineer = (userName: string, displayName: string) =>
  entraUser(userName, { displayName, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Engineering' } });

type Credential = { credentialId: string; clientId: string; clientSecret: string };

describe(`admin API on ${E2E_DATABASE}`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const operator = {
    post: (url: string) => request(t.http).post(url).set('Authorization', `Bearer ${OPERATOR}`),
    get: (url: string) => request(t.http).get(url).set('Authorization', `Bearer ${OPERATOR}`),
    put: (url: string) => request(t.http).put(url).set('Authorization', `Bearer ${OPERATOR}`),
  };
  const as = (credential: Credential) => ({
    post: (url: string) => request(t.http).post(url).auth(credential.clientId, credential.clientSecret),
    get: (url: string) => request(t.http).get(url).auth(credential.clientId, credential.clientSecret),
    put: (url: string) => request(t.http).put(url).auth(credential.clientId, credential.clientSecret),
    patch: (url: string) => request(t.http).patch(url).auth(credential.clientId, credential.clientSecret),
    delete: (url: string) => request(t.http).delete(url).auth(credential.clientId, credential.clientSecret),
  });

  interface GivenTenant {
    readonly id: string;
    readonly credential: Credential;
    /** `/admin/v1/tenants/<id>` */
    readonly url: string;
    /** An address in this tenant's own domain (addresses are unique across tenants, rule L8). */
    readonly address: (local: string) => string;
  }

  /** A tenant of this test's own, as the operator creates it: manual user management, nothing set up. */
  let tenants = 0;
  async function givenTenant(prefix = 'acme'): Promise<GivenTenant> {
    const id = `${prefix}-${++tenants}`;
    const created = await operator.post('/admin/v1/tenants').send({ id, name: `${prefix} ${tenants}` });
    expect(created.status).toBe(201);
    return { id, credential: created.body.apiCredential, url: `/admin/v1/tenants/${id}`, address: (local) => `${local}@${id}.example` };
  }

  /**
   * A tenant of this test's own set up for SCIM by its admin as in "the admin sets up storage,
   * profile and two mappings": storage eu, profile staff (10 users, eu), mapping eng on department.
   */
  async function givenSetUpTenant(): Promise<GivenTenant> {
    const tenant = await givenTenant();
    const admin = as(tenant.credential);
    const setUp = [
      await admin.put(`${tenant.url}/user-management`).send({ method: 'scim' }),
      await admin.post(`${tenant.url}/storages`).send({ id: 'eu', name: 'EU', region: 'eu-west-1' }),
      await admin.post(`${tenant.url}/profiles`).send({ id: 'staff', name: 'Staff', maxUsers: 10, storageIds: ['eu'] }),
      await admin.post(`${tenant.url}/scim-mappings`).send({
        id: 'eng',
        name: 'Engineers',
        attribute: 'department',
        values: 'Engineering,R&D',
        profileId: 'staff',
        storageId: 'eu',
        quota: { amount: 0, unit: 'GB' },
      }),
    ];
    expect(setUp.map((response) => response.status)).toEqual([200, 201, 201, 201]);
    return tenant;
  }

  /**
   * For the cross-tenant table, whose every case checks it changed nothing: a set-up tenant with
   * its second mapping paris ordered first, and another tenant; made by whichever case runs first.
   */
  let victimAndIntruder: Promise<{ victim: GivenTenant; intruder: GivenTenant }> | undefined;
  const givenVictimAndIntruder = () =>
    (victimAndIntruder ??= (async () => {
      const victim = await givenSetUpTenant();
      const admin = as(victim.credential);
      await admin.post(`${victim.url}/scim-mappings`).send({
        id: 'paris',
        name: 'Paris',
        attribute: 'city',
        values: 'Paris, France;Lyon',
        profileId: 'staff',
        storageId: 'eu',
        quota: { amount: 0, unit: 'GB' },
      });
      expect((await admin.put(`${victim.url}/scim-mappings/order`).send({ orderedIds: ['paris', 'eng'] })).status).toBe(200);
      return { victim, intruder: await givenTenant('globex') };
    })());

  it('given the operator, when creating two tenants, then each comes with an API credential shown once', async () => {
    const created = await operator.post('/admin/v1/tenants').send({ id: 'acme', name: 'Acme Corp' });
    expect(created.status).toBe(201);
    // The admin API is not SCIM: plain JSON, not application/scim+json.
    expect(created.headers['content-type']).toMatch(/^application\/json/);
    expect(created.body).toMatchObject({ id: 'acme', name: 'Acme Corp', userManagement: 'manual' });
    const acme = created.body.apiCredential;
    expect(acme.clientSecret).toHaveLength(43);
    await operator.post('/admin/v1/tenants').send({ id: 'globex', name: 'Globex' });

    expect((await operator.post('/admin/v1/tenants').send({ id: 'acme', name: 'again' })).status).toBe(409);
    const list = await operator.get('/admin/v1/tenants');
    expect(list.body.tenants.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(['acme', 'globex']));
  });

  it('given a tenant credential, when the admin sets up storage, profile and two mappings, then they read back in order', async () => {
    const { credential, url } = await givenTenant();
    const admin = as(credential);
    expect((await admin.put(`${url}/user-management`).send({ method: 'scim' })).body.userManagement).toBe('scim');
    expect((await admin.post(`${url}/storages`).send({ id: 'eu', name: 'EU', region: 'eu-west-1' })).body).toEqual({
      id: 'eu',
      name: 'EU',
      region: 'eu-west-1',
      health: 'healthy',
    });
    expect((await admin.post(`${url}/profiles`).send({ id: 'staff', name: 'Staff', maxUsers: 10, storageIds: ['eu'] })).status).toBe(201);
    const quota = { amount: 0, unit: 'GB' };
    const first = await admin
      .post(`${url}/scim-mappings`)
      .send({ id: 'eng', name: 'Engineers', attribute: 'department', values: 'Engineering,R&D', profileId: 'staff', storageId: 'eu', quota });
    expect(first.status).toBe(201);
    expect(first.body.filter).toEqual({ attribute: 'department', values: ['Engineering', 'R&D'] });
    await admin
      .post(`${url}/scim-mappings`)
      .send({ id: 'paris', name: 'Paris', attribute: 'city', values: 'Paris, France;Lyon', profileId: 'staff', storageId: 'eu', quota });

    const reordered = await admin.put(`${url}/scim-mappings/order`).send({ orderedIds: ['paris', 'eng'] });
    expect(reordered.body.scimMappings.map((m: { id: string }) => m.id)).toEqual(['paris', 'eng']);
    expect(reordered.body.scimMappings[0].filter.values).toEqual(['Paris, France', 'Lyon']);
  });

  it('given a mapping, when a change tries to alter its filter, then 400 (unknown field) and the filter stays (rule M3)', async () => {
    const { credential, url } = await givenSetUpTenant();
    const response = await as(credential)
      .put(`${url}/scim-mappings/eng`)
      .send({ name: 'Eng', attribute: 'title', profileId: 'staff', storageId: 'eu', quota: { amount: 1, unit: 'TB' } });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM);
    const renamed = await as(credential)
      .put(`${url}/scim-mappings/eng`)
      .send({ name: 'Eng', profileId: 'staff', storageId: 'eu', quota: { amount: 1, unit: 'TB' } });
    expect(renamed.body).toMatchObject({ name: 'Eng', filter: { attribute: 'department' }, quota: { amount: 1, unit: 'TB' } });
  });

  it('given a profile that may not use a storage, when a mapping pairs them, then 422 naming the rule (M7)', async () => {
    const { credential, url } = await givenSetUpTenant();
    const admin = as(credential);
    await admin.post(`${url}/storages`).send({ id: 'us', name: 'US', region: 'us-east-1' });
    const response = await admin
      .post(`${url}/scim-mappings`)
      .send({ id: 'us-eng', name: 'x', attribute: 'a', values: 'b', profileId: 'staff', storageId: 'us', quota: { amount: 0, unit: 'GB' } });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ status: 422, title: 'StorageNotAllowedForProfile' });
  });

  it('given storage health, when the operator sets it, then it changes; a tenant credential may not (rule M6)', async () => {
    const { credential, url } = await givenSetUpTenant();
    expect((await as(credential).put(`${url}/storages/eu/health`).send({ health: 'unhealthy' })).status).toBe(403);
    const set = await operator.put(`${url}/storages/eu/health`).send({ health: 'unhealthy' });
    expect(set.body.health).toBe('unhealthy');
  });

  it('given a SCIM token generated by the admin, when regenerated, then the old one gets 401 at once and the new one works (rule T2)', async () => {
    const { credential, url } = await givenSetUpTenant();
    const admin = as(credential);
    const first = await admin.post(`${url}/scim-token`);
    expect(first.status).toBe(201);
    expect(Date.parse(first.body.expiresAt) - Date.parse(first.body.createdAt)).toBe(365 * 86_400_000);
    const scim = (token: string) => request(t.http).get('/scim/v2/Users').set('Authorization', `Bearer ${token}`);
    expect((await scim(first.body.token)).status).toBe(200);

    const second = await admin.post(`${url}/scim-token`);
    expect((await scim(first.body.token)).status).toBe(401);
    expect((await scim(second.body.token)).status).toBe(200);

    // The token's last use is recorded in the background.
    const status = await eventually(
      () => admin.get(`${url}/scim-token`),
      (response) => response.body.lastUsedAt !== null,
      5000,
      "the token's last use",
    );
    expect(status.body).toMatchObject({ tokenId: second.body.tokenId, status: 'valid' });
    expect(Date.parse(status.body.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(second.body.createdAt));
    expect(JSON.stringify(status.body)).not.toContain(second.body.token);
    const credentials = await admin.get(`${url}/api-credentials`);
    expect(credentials.body.credentials.filter((c: { kind: string }) => c.kind === 'scim')).toEqual([expect.objectContaining({ id: second.body.tokenId })]);
  });

  it('given the credentials kept apart (rule T4), then a SCIM token opens no admin route and an API credential opens no SCIM route', async () => {
    const { credential, url } = await givenTenant();
    expect((await request(t.http).get('/admin/v1/tenants/tenant-a').set('Authorization', `Bearer ${TENANT_A_TOKEN}`)).status).toBe(401);
    expect((await request(t.http).get('/scim/v2/Users').auth(credential.clientId, credential.clientSecret)).status).toBe(401);
    const none = await request(t.http).get(url);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Basic');
  });

  it('given a revoked API credential, when used, then 401', async () => {
    const { credential, url } = await givenTenant();
    const extra = (await as(credential).post(`${url}/api-credentials`).send({ name: 'ci' })).body;
    expect((await as(extra).get(url)).status).toBe(200);
    await as(credential).post(`${url}/api-credentials/${extra.credentialId}/revoke`);
    expect((await as(extra).get(url)).status).toBe(401);
  });

  it.each([
    ['GET', '/admin/v1/tenants/acme', undefined],
    ['PATCH', '/admin/v1/tenants/acme', { name: 'stolen' }],
    ['PUT', '/admin/v1/tenants/acme/user-management', { method: 'manual' }],
    ['POST', '/admin/v1/tenants/acme/scim-token', undefined],
    ['GET', '/admin/v1/tenants/acme/scim-token', undefined],
    ['GET', '/admin/v1/tenants/acme/api-credentials', undefined],
    ['POST', '/admin/v1/tenants/acme/api-credentials', { name: 'x' }],
    ['POST', '/admin/v1/tenants/acme/api-credentials/whatever/revoke', undefined],
    ['GET', '/admin/v1/tenants/acme/storages', undefined],
    ['POST', '/admin/v1/tenants/acme/storages', { id: 'x', name: 'x', region: 'x' }],
    ['PUT', '/admin/v1/tenants/acme/storages/eu/health', { health: 'healthy' }],
    ['GET', '/admin/v1/tenants/acme/profiles', undefined],
    ['POST', '/admin/v1/tenants/acme/profiles', { id: 'x', name: 'x', maxUsers: 0, storageIds: ['eu'] }],
    ['PUT', '/admin/v1/tenants/acme/profiles/staff', { name: 'x', maxUsers: 0, storageIds: ['eu'] }],
    ['GET', '/admin/v1/tenants/acme/scim-mappings', undefined],
    [
      'POST',
      '/admin/v1/tenants/acme/scim-mappings',
      { id: 'x', name: 'x', attribute: 'a', values: 'b', profileId: 'staff', storageId: 'eu', quota: { amount: 0, unit: 'GB' } },
    ],
    ['PUT', '/admin/v1/tenants/acme/scim-mappings/order', { orderedIds: ['eng', 'paris'] }],
    ['PUT', '/admin/v1/tenants/acme/scim-mappings/eng', { name: 'x', profileId: 'staff', storageId: 'eu', quota: { amount: 0, unit: 'GB' } }],
    ['DELETE', '/admin/v1/tenants/acme/scim-mappings/eng', undefined],
  ])("given another tenant's credential, when %s %s, then 404 and nothing of acme changes", async (method, url, body) => {
    const { victim, intruder } = await givenVictimAndIntruder();
    const before = JSON.stringify(await snapshot(victim));
    const call = as(intruder.credential)[method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](
      url.replace('/admin/v1/tenants/acme', victim.url),
    );
    const response = body ? await call.send(body) : await call;
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain(PROBLEM);
    expect(JSON.stringify(await snapshot(victim))).toBe(before);
  });

  async function snapshot({ credential, url }: GivenTenant) {
    const admin = as(credential);
    const parts = ['', '/storages', '/profiles', '/scim-mappings', '/api-credentials', '/scim-token'];
    return Promise.all(parts.map(async (part) => (await admin.get(`${url}${part}`)).body));
  }

  describe('users for the admin', () => {
    const scim = (scimToken: string) => ({
      post: (url: string) => request(t.http).post(url).set('Authorization', `Bearer ${scimToken}`).set('Content-Type', SCIM_JSON),
      patch: (url: string) => request(t.http).patch(url).set('Authorization', `Bearer ${scimToken}`).set('Content-Type', SCIM_JSON),
      delete: (url: string) => request(t.http).delete(url).set('Authorization', `Bearer ${scimToken}`),
    });

    /** A set-up tenant with a SCIM token and Grace Hopper, an engineer its IdP created. */
    async function givenUser(): Promise<GivenTenant & { scimToken: string; graceId: string }> {
      const tenant = await givenSetUpTenant();
      const scimToken = (await as(tenant.credential).post(`${tenant.url}/scim-token`)).body.token;
      const grace = await scim(scimToken)
        .post('/scim/v2/Users')
        .send(engineer(tenant.address('grace'), 'Grace Hopper'));
      expect(grace.status).toBe(201);
      return { ...tenant, scimToken, graceId: grace.body.id };
    }

    /** Grace preserved by the admin, as in rule L6's test. */
    async function givenPreservedUser() {
      const given = await givenUser();
      expect((await as(given.credential).post(`${given.url}/users/${given.graceId}/preserve`)).status).toBe(200);
      return given;
    }

    /**
     * For the tests that only read them: Grace and Alan Turing, placed by mapping eng after the
     * admin changed it to 1 TB (as in rule M3's test), and another tenant; made by whichever runs first.
     */
    let twoUsersAndIntruder: Promise<{ victim: GivenTenant; intruder: GivenTenant }> | undefined;
    const givenTwoUsersAndIntruder = () =>
      (twoUsersAndIntruder ??= (async () => {
        const victim = await givenSetUpTenant();
        await as(victim.credential)
          .put(`${victim.url}/scim-mappings/eng`)
          .send({ name: 'Eng', profileId: 'staff', storageId: 'eu', quota: { amount: 1, unit: 'TB' } });
        const scimToken = (await as(victim.credential).post(`${victim.url}/scim-token`)).body.token;
        const created = [
          await scim(scimToken)
            .post('/scim/v2/Users')
            .send(engineer(victim.address('grace'), 'Grace Hopper')),
          await scim(scimToken)
            .post('/scim/v2/Users')
            .send(engineer(victim.address('alan'), 'Alan Turing')),
        ];
        expect(created.map((response) => response.status)).toEqual([201, 201]);
        return { victim, intruder: await givenTenant('globex') };
      })());

    it('given users a mapping placed, when the admin searches by profile and storage, then they come back with their placement', async () => {
      const { credential, url, address } = (await givenTwoUsersAndIntruder()).victim;
      const byProfile = await as(credential).get(`${url}/users?profileId=staff`);
      expect(byProfile.body.users.map((u: { userName: string }) => u.userName).sort()).toEqual([address('alan'), address('grace')]);
      expect(byProfile.body.users[0].placement).toMatchObject({ mappingId: 'eng', profileId: 'staff', storageId: 'eu', quota: { amount: 1, unit: 'TB' } });
      expect((await as(credential).get(`${url}/users?storageId=eu`)).body.total).toBe(2);
      expect((await as(credential).get(`${url}/users?storageId=us`)).body.total).toBe(0);
      expect((await as(credential).get(`${url}/users?profileId=nobody`)).body.total).toBe(0);
    });

    it('given users, when the admin searches by text and status, then the matching users come back', async () => {
      const { credential, url, address } = (await givenTwoUsersAndIntruder()).victim;
      const found = await as(credential).get(`${url}/users?q=HOPPER`);
      expect(found.body.users.map((u: { userName: string }) => u.userName)).toEqual([address('grace')]);
      // A preserved user of this test's own, so each status has users to tell apart (the second attack on issue 17: the
      // filter ignored passed a count that the whole list met).
      const made = await as(credential)
        .post(`${url}/users`)
        .send({ userName: address('status-probe'), displayName: 'Status Probe' });
      expect((await as(credential).post(`${url}/users/${made.body.id}/preserve`)).status).toBe(200);
      const statusesOf = async (status: string) =>
        ((await as(credential).get(`${url}/users?status=${status}&count=200`)).body.users as Array<{ id: string; status: string }>).map((u) => [
          u.id,
          u.status,
        ]);
      const active = await statusesOf('Active');
      const preserved = await statusesOf('Preserved');
      expect(active.length).toBeGreaterThanOrEqual(2);
      expect(active.filter(([, status]) => status !== 'Active')).toEqual([]);
      expect(preserved).toContainEqual([made.body.id, 'Preserved']);
      expect(preserved.filter(([, status]) => status !== 'Preserved')).toEqual([]);
      expect((await as(credential).get(`${url}/users?status=Gone`)).status).toBe(400);
    });

    it('given an admin-preserved user, when the IdP sets active=true, then a SCIM error and it stays preserved (rule L6)', async () => {
      const { credential, url, scimToken, graceId: userId } = await givenUser();
      const preserved = await as(credential).post(`${url}/users/${userId}/preserve`);
      expect(preserved.body).toMatchObject({ status: 'Preserved', preservedBy: 'admin' });
      // Rule S1, who preserved it: the history names the administrator's own credential.
      const history = (await as(credential).get(`${url}/users/${userId}/history`)).body;
      expect(history.entries.at(-1)).toMatchObject({ type: 'UserPreserved', actor: { kind: 'admin-credential', id: credential.credentialId } });

      const attempt = await scim(scimToken)
        .patch(`/scim/v2/Users/${userId}`)
        .send({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'active', value: true }],
        });
      expect(attempt.status).toBe(400);
      expect(attempt.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      expect((await as(credential).get(`${url}/users/${userId}`)).body.status).toBe('Preserved');
    });

    it('given a preserved user, when the admin reactivates it, then it is Active', async () => {
      const { credential, url, graceId: userId } = await givenPreservedUser();
      const reactivated = await as(credential).post(`${url}/users/${userId}/reactivate`);
      expect(reactivated.body).toMatchObject({ status: 'Active', preservedBy: null });
    });

    it('given an active user, when deleted for good, then 422 and it stays; once preserved, then 204 and gone (rule L10)', async () => {
      const { credential, url, scimToken, graceId: userId } = await givenUser();
      const admin = as(credential);
      const refused = await admin.delete(`${url}/users/${userId}`);
      expect(refused.status).toBe(422);
      expect(refused.body.title).toBe('UserNotPreserved');

      await scim(scimToken).delete(`/scim/v2/Users/${userId}`);
      expect((await admin.get(`${url}/users/${userId}`)).body).toMatchObject({ status: 'Preserved', deletedInIdp: true });
      expect((await admin.delete(`${url}/users/${userId}`)).status).toBe(204);
      expect((await admin.get(`${url}/users/${userId}`)).status).toBe(404);
    });

    it('given the admin creates a user by hand, then it is listed as Active', async () => {
      const { credential, url, address } = await givenSetUpTenant();
      const created = await as(credential)
        .post(`${url}/users`)
        .send({ userName: address('manual'), displayName: 'Manual User' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ userName: address('manual'), email: address('manual'), status: 'Active' });
      expect(
        (
          await as(credential)
            .post(`${url}/users`)
            .send({ userName: address('MANUAL'), displayName: 'x' })
        ).status,
      ).toBe(409);
    });

    it.each([
      ['GET', '/admin/v1/tenants/acme/users'],
      ['POST', '/admin/v1/tenants/acme/users'],
      ['GET', '/admin/v1/tenants/acme/users/ANY'],
      ['POST', '/admin/v1/tenants/acme/users/ANY/preserve'],
      ['POST', '/admin/v1/tenants/acme/users/ANY/reactivate'],
      ['DELETE', '/admin/v1/tenants/acme/users/ANY'],
    ])("given another tenant's credential, when %s %s, then 404", async (method, url) => {
      const { victim, intruder } = await givenTwoUsersAndIntruder();
      const target = await as(victim.credential).get(`${victim.url}/users?q=alan`);
      const path = url.replace('/admin/v1/tenants/acme', victim.url).replace('ANY', target.body.users[0].id);
      const call = as(intruder.credential)[method.toLowerCase() as 'get' | 'post' | 'delete'](path);
      const response = method === 'POST' && path.endsWith('/users') ? await call.send({ userName: 'x@y.z', displayName: 'x' }) : await call;
      expect(response.status).toBe(404);
      expect((await as(victim.credential).get(`${victim.url}/users?q=alan`)).body.users[0].status).toBe('Active');
    });

    // The route's tenant guard lets the intruder through on its own tenant's URL: only the user commands' check
    // on the user's stream stands between it and the victim's user (the attack on issue 17 removed that check
    // and every test still passed, since the answer's read-model lookup said 404 after the command was appended).
    it.each([
      ['POST', 'preserve'],
      ['POST', 'reactivate'],
      ['POST', 'legal-hold'],
      ['DELETE', 'legal-hold'],
      ['DELETE', ''],
    ])(
      "given another tenant's user id, when the intruder %ss /users/<id>/%s on its own tenant's URL, then 404 and not one event on that user",
      async (method, action) => {
        const { victim, intruder } = await givenTwoUsersAndIntruder();
        const target = (await as(victim.credential).get(`${victim.url}/users?q=alan`)).body.users[0];
        const history = async () => (await as(victim.credential).get(`${victim.url}/users/${target.id}/history`)).body;
        const before = await history();

        const response = await as(intruder.credential)[method.toLowerCase() as 'post' | 'delete'](
          `${intruder.url}/users/${target.id}${action ? `/${action}` : ''}`,
        );

        expect(response.status).toBe(404);
        await projectedEverythingStored(t);
        expect((await history()).totalResults).toBe(before.totalResults);
        expect((await as(victim.credential).get(`${victim.url}/users/${target.id}`)).body).toMatchObject({ status: 'Active', legalHold: false });
      },
    );

    it("given another tenant's users, when the intruder lists, searches or reads users on its own tenant's URL, then none of them shows", async () => {
      const { victim, intruder } = await givenTwoUsersAndIntruder();
      const target = (await as(victim.credential).get(`${victim.url}/users?q=alan`)).body.users[0];

      const listed = await as(intruder.credential).get(`${intruder.url}/users?count=200`);
      const searched = await as(intruder.credential).get(`${intruder.url}/users?q=alan`);
      const read = await as(intruder.credential).get(`${intruder.url}/users/${target.id}`);

      expect([listed.status, searched.status, read.status]).toEqual([200, 200, 404]);
      expect(listed.body.users.map((u: { tenantId?: string; id: string }) => u.id)).not.toContain(target.id);
      expect(searched.body.total).toBe(0);
    });

    it("given another tenant's preserved user, when the intruder deletes it for good on its own tenant's URL, then 404 and the user and its personal data stay", async () => {
      const { victim, intruder } = await givenTwoUsersAndIntruder();
      const created = await as(victim.credential)
        .post(`${victim.url}/users`)
        .send({ userName: victim.address('kept-by-victim'), displayName: 'Kept By Victim' });
      expect(created.status).toBe(201);
      expect((await as(victim.credential).post(`${victim.url}/users/${created.body.id}/preserve`)).status).toBe(200);

      const response = await as(intruder.credential).delete(`${intruder.url}/users/${created.body.id}`);

      expect(response.status).toBe(404);
      await projectedEverythingStored(t);
      expect((await as(victim.credential).get(`${victim.url}/users/${created.body.id}`)).body).toMatchObject({
        status: 'Preserved',
        userName: victim.address('kept-by-victim'),
        displayName: 'Kept By Victim',
      });
    });
  });

  it.each([
    [true, []],
    [false, ['eng']],
  ])(
    'given a SCIM tenant with a token, when its admin switches it to manual with deleteScimMappings %s, then its token stops at once and its mappings are %j (rule T6)',
    async (deleteScimMappings, mappingsLeft) => {
      const { credential, url } = await givenSetUpTenant();
      const token = (await as(credential).post(`${url}/scim-token`)).body.token as string;
      expect((await request(t.http).get('/scim/v2/Users').set('Authorization', `Bearer ${token}`)).status).toBe(200);

      const switched = await as(credential).put(`${url}/user-management`).send({ method: 'manual', deleteScimMappings });

      expect([switched.status, switched.body.userManagement]).toEqual([200, 'manual']);
      expect((await request(t.http).get('/scim/v2/Users').set('Authorization', `Bearer ${token}`)).status).toBe(401);
      expect((await as(credential).get(`${url}/scim-mappings`)).body.scimMappings.map((m: { id: string }) => m.id)).toEqual(mappingsLeft);
    },
  );

  const scimPost = (token: string, body: object) =>
    request(t.http).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON).send(body);

  it("given a profile's cap, when the admin changes it by PUT, then creates stop at the new cap and go on once it is raised (rule M5)", async () => {
    const { credential, url, address } = await givenSetUpTenant();
    const token = (await as(credential).post(`${url}/scim-token`)).body.token as string;
    const create = (local: string) => scimPost(token, engineer(address(local), local));
    const capped = await as(credential)
      .put(`${url}/profiles/staff`)
      .send({ name: 'Staff', maxUsers: 1, storageIds: ['eu'] });
    expect([capped.status, capped.body.maxUsers]).toEqual([200, 1]);

    expect((await create('first')).status).toBe(201);
    const full = await create('second');
    expect([full.status, full.body.detail]).toEqual([403, expect.stringContaining('profile staff is full')]);

    expect(
      (
        await as(credential)
          .put(`${url}/profiles/staff`)
          .send({ name: 'Staff', maxUsers: 2, storageIds: ['eu'] })
      ).status,
    ).toBe(200);
    expect((await create('second')).status).toBe(201);
  });

  it("given a mapping, when the admin deletes it, then it is gone and a user it would have placed is refused with rule M4's words", async () => {
    const { credential, url, address } = await givenSetUpTenant();
    const token = (await as(credential).post(`${url}/scim-token`)).body.token as string;

    expect((await as(credential).delete(`${url}/scim-mappings/eng`)).status).toBe(204);

    expect((await as(credential).get(`${url}/scim-mappings`)).body.scimMappings).toEqual([]);
    const refused = await scimPost(token, engineer(address('unmapped'), 'Unmapped'));
    expect([refused.status, refused.body.detail]).toEqual([400, expect.stringMatching(/^None of the SCIM Mapping matched to create user\./)]);
  });

  it('given a body that breaks validation, when posted, then 400 problem+json listing the errors', async () => {
    const { credential, url } = await givenTenant();
    const response = await as(credential).post(`${url}/profiles`).send({ id: 'Bad Id', name: '', maxUsers: -1, storageIds: [] });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM);
    expect(response.body.errors.length).toBeGreaterThanOrEqual(4);
  });

  it('given the OpenAPI document, when fetched, then it describes the admin routes', async () => {
    const response = await request(t.http).get('/admin/docs/openapi.json');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/admin/v1/tenants', '/admin/v1/tenants/{tenantId}/scim-mappings']));
    expect(Object.keys(response.body.paths).some((path) => path.startsWith('/scim'))).toBe(false);
  });

  it('given a user created over SCIM with the admin-made token, then it lands in that tenant', async () => {
    const { credential, url, address } = await givenSetUpTenant();
    const token = (await as(credential).post(`${url}/scim-token`)).body.token;
    const created = await request(t.http)
      .post('/scim/v2/Users')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', SCIM_JSON)
      .send(engineer(address('acme-user'), 'Acme User'));
    expect(created.status).toBe(201);
    const otherTenant = await request(t.http).get(`/scim/v2/Users/${created.body.id}`).set('Authorization', `Bearer ${TENANT_A_TOKEN}`);
    expect(otherTenant.status).toBe(404);
  });
});
