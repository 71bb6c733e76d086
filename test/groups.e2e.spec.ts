import request from 'supertest';
import { provisioningRefusalsStreamId } from '@scim-ledger/domain';
import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { ProjectionFailureRow, ScimGroupMemberRow } from '@scim-ledger/read-model';
import { PermanentDeletion } from '../apps/api/src/application/provisioning/permanent-deletion';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TENANT_B_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const patchOf = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

/** Groups as Entra ID and Okta push them (issue 19, rule G1), under both prefixes (rule T1). */
describe(`SCIM /Groups on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MAX: '0' });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const as = (token: string) => ({
    get: (url: string) => request(t.http).get(url).set('Authorization', `Bearer ${token}`),
    post: (url: string) => request(t.http).post(url).set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON),
    put: (url: string) => request(t.http).put(url).set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON),
    patch: (url: string) => request(t.http).patch(url).set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON),
    delete: (url: string) => request(t.http).delete(url).set('Authorization', `Bearer ${token}`),
  });
  const scim = as(TENANT_A_TOKEN);
  let users = 0;
  const createUser = async (prefix = '/scim/v2', token = TENANT_A_TOKEN) => {
    const answer = await as(token)
      .post(`${prefix}/Users`)
      .send(entraUser(`member${++users}@example.com`));
    expect(answer.status).toBe(201);
    return answer.body.id as string;
  };
  let groups = 0;
  const createGroup = async (members: string[] = [], displayName = `Group ${++groups}`, prefix = '/scim/v2') => {
    const answer = await scim
      .post(`${prefix}/Groups`)
      .send({ schemas: [GROUP], displayName, externalId: `ext-${displayName}`, members: members.map((value) => ({ value })) });
    expect(answer.status).toBe(201);
    return answer.body.id as string;
  };
  const membersOf = async (id: string) => (((await scim.get(`/scim/v2/Groups/${id}`)).body.members ?? []) as { value: string }[]).map((m) => m.value).sort();

  it('given no token, when a group route is called, then 401 with a Bearer challenge', async () => {
    for (const url of ['/scim/v2/Groups', '/insync/scim/Groups/x']) {
      const response = await request(t.http).get(url);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it("given Entra's test connection, when it looks up a random group by displayName without members, then 200 with zero results", async () => {
    const filter = encodeURIComponent('displayName eq "3f2a9b1c-random-group"');
    const response = await scim.get(`/scim/v2/Groups?excludedAttributes=members&filter=${filter}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ schemas: [LIST], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
  });

  describe.each(['/scim/v2', '/insync/scim'])('under %s', (prefix) => {
    it('given users, when a group is created with them, then 201 with Location and ETag, and a GET returns what was written', async () => {
      const [ada, bob] = [await createUser(prefix), await createUser(prefix)];
      const displayName = `Engineering ${prefix}`;
      const created = await scim
        .post(`${prefix}/Groups`)
        .send({ schemas: [GROUP], displayName, externalId: 'entra-eng', members: [{ value: ada }, { value: bob }] });
      expect(created.status).toBe(201);
      expect(created.headers['content-type']).toContain(SCIM_JSON);
      const id = created.body.id as string;
      expect(created.headers.location).toMatch(new RegExp(`${prefix}/Groups/${id}$`));
      expect(created.headers.etag).toBe('W/"0"');
      const got = await scim.get(`${prefix}/Groups/${id}`);
      expect(got.status).toBe(200);
      expect(got.headers.etag).toBe('W/"0"');
      expect(got.body).toEqual({
        schemas: [GROUP],
        id,
        externalId: 'entra-eng',
        displayName,
        members: expect.arrayContaining([
          { value: ada, $ref: expect.stringMatching(new RegExp(`${prefix}/Users/${ada}$`)), display: expect.any(String), type: 'User' },
          { value: bob, $ref: expect.stringMatching(new RegExp(`${prefix}/Users/${bob}$`)), display: expect.any(String), type: 'User' },
        ]),
        meta: {
          resourceType: 'Group',
          created: expect.any(String),
          lastModified: expect.any(String),
          location: expect.stringMatching(new RegExp(`${prefix}/Groups/${id}$`)),
          version: 'W/"0"',
        },
      });
      expect(got.body.members).toHaveLength(2);
      // Each supertest call listens on a port of its own: URLs differ by it only.
      const portless = (body: unknown) => JSON.parse(JSON.stringify(body).replace(/127\.0\.0\.1:\d+/g, 'host'));
      expect(portless(created.body)).toEqual(portless(got.body));
    });

    it('given a group, when read with excludedAttributes=members (Entra ID), then no members', async () => {
      const id = await createGroup([await createUser(prefix)], undefined, prefix);
      const got = await scim.get(`${prefix}/Groups/${id}?excludedAttributes=members`);
      expect(got.status).toBe(200);
      expect(got.body.members).toBeUndefined();
      expect(got.body.displayName).toEqual(expect.any(String));
      const named = await scim.get(`${prefix}/Groups/${id}?attributes=displayName`);
      expect(Object.keys(named.body).sort()).toEqual(['displayName', 'id', 'schemas']);
    });

    it('given a group, when DELETE, then 204, then 404, and its name is free again', async () => {
      const displayName = `Doomed ${prefix}`;
      const id = await createGroup([], displayName, prefix);
      expect((await scim.delete(`${prefix}/Groups/${id}`)).status).toBe(204);
      const gone = await scim.get(`${prefix}/Groups/${id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({ schemas: [ERROR], status: '404' });
      expect((await scim.delete(`${prefix}/Groups/${id}`)).status).toBe(404);
      await createGroup([], displayName, prefix);
    });
  });

  it('given a group named so, when another is created with that name in another case, then 409 uniqueness (Entra ID), and another tenant may use it', async () => {
    await createGroup([], 'Sales Team');
    const again = await scim.post('/scim/v2/Groups').send({ schemas: [GROUP], displayName: 'SALES team' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    const otherTenant = await as(TENANT_B_TOKEN)
      .post('/scim/v2/Groups')
      .send({ schemas: [GROUP], displayName: 'Sales Team' });
    expect(otherTenant.status).toBe(201);
  });

  it('given two creates of one name at once, then exactly one wins and the other gets 409 uniqueness', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => scim.post('/scim/v2/Groups').send({ schemas: [GROUP], displayName: 'Raced Name' })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
  });

  it('given a rename onto a taken name, then 409 uniqueness and the group keeps its name; the old name is free after a rename', async () => {
    await createGroup([], 'Taken Name');
    const id = await createGroup([], 'Old Name');
    const taken = await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'Replace', path: 'displayName', value: 'taken name' }));
    expect(taken.status).toBe(409);
    expect(taken.body.scimType).toBe('uniqueness');
    expect((await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'Replace', path: 'displayName', value: 'New Name' }))).status).toBe(204);
    await createGroup([], 'Old Name');
    expect((await scim.get(`/scim/v2/Groups/${id}`)).body.displayName).toBe('New Name');
  });

  it('given a member id that is not a user of the tenant, when created or patched, then 400 invalidValue naming it and nothing is written', async () => {
    const stranger = await createUser('/scim/v2', TENANT_B_TOKEN);
    const refused = await scim.post('/scim/v2/Groups').send({ schemas: [GROUP], displayName: 'Strangers', members: [{ value: stranger }] });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining(stranger) });
    const member = await createUser();
    const id = await createGroup([member]);
    const patched = await scim
      .patch(`/scim/v2/Groups/${id}`)
      .send(patchOf({ op: 'Add', path: 'members', value: [{ value: 'no-such-user' }, { value: await createUser() }] }));
    expect(patched.status).toBe(400);
    expect(patched.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('no-such-user') });
    expect(await membersOf(id)).toEqual([member]);
    expect((await scim.get(`/scim/v2/Groups/${id}`)).headers.etag).toBe('W/"0"');
    // Rule S2: both refusals are recorded, as the IdP was answered.
    const refusals = await t.app.get<EventStore>(EVENT_STORE).readStream(provisioningRefusalsStreamId('tenant-a'));
    expect(refusals.map((event) => event.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          operation: 'create',
          reason: 'UnknownGroupMember',
          status: 400,
          scimType: 'invalidValue',
          detail: expect.stringContaining(stranger),
        }),
        expect.objectContaining({ operation: 'patch', reason: 'UnknownGroupMember', status: 400, detail: expect.stringContaining('no-such-user') }),
      ]),
    );
  });

  describe("Entra ID's PATCH forms", () => {
    it('given a group, when members are added (twice) and removed by value, then the members are exact and each request is one revision', async () => {
      const [a, b, c] = [await createUser(), await createUser(), await createUser()];
      const id = await createGroup();
      const add = await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'Add', path: 'members', value: [{ value: a }, { value: b }] }));
      expect(add.status).toBe(204);
      expect(add.headers.etag).toBe('W/"1"');
      await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'Add', path: 'members', value: [{ value: a }, { value: c }] }));
      expect(await membersOf(id)).toEqual([a, b, c].sort());
      await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'Remove', path: 'members', value: [{ value: b }] }));
      expect(await membersOf(id)).toEqual([a, c].sort());
      const noop = await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'Remove', path: 'members', value: [{ value: b }] }));
      expect(noop.status).toBe(204);
      expect(noop.headers.etag).toBe('W/"3"');
    });

    it('given a group, when displayName is replaced by path (aadOptscim062020) and by a path-less value, then the GET has each', async () => {
      const id = await createGroup();
      await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'Replace', path: 'displayName', value: 'Renamed By Path' }));
      expect((await scim.get(`/scim/v2/Groups/${id}`)).body.displayName).toBe('Renamed By Path');
      await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'Replace', value: { id, displayName: 'Renamed Pathless' } }));
      expect((await scim.get(`/scim/v2/Groups/${id}`)).body.displayName).toBe('Renamed Pathless');
    });

    it('given a member, when removed by members[value eq "…"], then it is gone', async () => {
      const [a, b] = [await createUser(), await createUser()];
      const id = await createGroup([a, b]);
      const removed = await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'remove', path: `members[value eq "${a}"]` }));
      expect(removed.status).toBe(204);
      expect(await membersOf(id)).toEqual([b]);
    });
  });

  describe("Okta's requests", () => {
    it('given members, when members are replaced by a list and then by [], then exactly those, then none', async () => {
      const [a, b, c] = [await createUser(), await createUser(), await createUser()];
      const id = await createGroup([a, b]);
      await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'replace', path: 'members', value: [{ value: b }, { value: c }] }));
      expect(await membersOf(id)).toEqual([b, c].sort());
      await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'replace', path: 'members', value: [] }));
      expect(await membersOf(id)).toEqual([]);
    });

    it('given a group, when renamed with a path-less replace of {id, displayName}, then renamed and its members kept', async () => {
      const a = await createUser();
      const id = await createGroup([a]);
      await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'replace', value: { id, displayName: 'Okta Renamed' } }));
      const got = (await scim.get(`/scim/v2/Groups/${id}`)).body;
      expect(got.displayName).toBe('Okta Renamed');
      expect(got.members.map((m: { value: string }) => m.value)).toEqual([a]);
    });

    it('given a group, when PUT with the whole group, then its membership is replaced exactly and the answer is the group', async () => {
      const [a, b, c] = [await createUser(), await createUser(), await createUser()];
      const id = await createGroup([a, b], 'Put Me');
      const put = await scim.put(`/scim/v2/Groups/${id}`).send({ schemas: [GROUP], id, displayName: 'Put Me Too', members: [{ value: c }, { value: b }] });
      expect(put.status).toBe(200);
      expect(put.headers.etag).toBe('W/"2"');
      expect(put.body).toMatchObject({ id, displayName: 'Put Me Too' });
      expect(await membersOf(id)).toEqual([b, c].sort());
      expect(put.body.members.map((m: { value: string }) => m.value).sort()).toEqual([b, c].sort());
    });
  });

  it('given a stale If-Match, when PATCH, PUT or DELETE, then 412 and nothing changes; the current one passes', async () => {
    const id = await createGroup([], 'Versioned');
    await scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'replace', path: 'externalId', value: 'v1' }));
    for (const call of [
      () =>
        scim
          .patch(`/scim/v2/Groups/${id}`)
          .set('If-Match', 'W/"0"')
          .send(patchOf({ op: 'replace', path: 'displayName', value: 'Stale' })),
      () =>
        scim
          .put(`/scim/v2/Groups/${id}`)
          .set('If-Match', 'W/"0"')
          .send({ schemas: [GROUP], displayName: 'Stale' }),
      () => scim.delete(`/scim/v2/Groups/${id}`).set('If-Match', 'W/"0"'),
    ]) {
      expect((await call()).status).toBe(412);
    }
    expect((await scim.get(`/scim/v2/Groups/${id}`)).body.displayName).toBe('Versioned');
    expect(
      (
        await scim
          .patch(`/scim/v2/Groups/${id}`)
          .set('If-Match', 'W/"1"')
          .send(patchOf({ op: 'replace', path: 'displayName', value: 'Fresh' }))
      ).status,
    ).toBe(204);
  });

  it('given bad requests, then SCIM errors with their scimType, never a 500', async () => {
    const id = await createGroup();
    const cases: [request.Test, number, string][] = [
      [scim.post('/scim/v2/Groups').send({ schemas: [GROUP] }), 400, 'invalidValue'],
      [scim.post('/scim/v2/Groups').send({ schemas: [GROUP], displayName: 'x', members: [{ nope: 1 }] }), 400, 'invalidValue'],
      [scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'move', path: 'members' })), 400, 'invalidSyntax'],
      [scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'add', path: 'owner', value: 'x' })), 400, 'invalidPath'],
      [scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'remove', path: 'displayName' })), 400, 'mutability'],
      [scim.get('/scim/v2/Groups?filter=owner%20eq%20%22x%22'), 400, 'invalidFilter'],
      [scim.get('/scim/v2/Groups?filter=members%20co%20%22x%22'), 400, 'invalidFilter'],
      [scim.get('/scim/v2/Groups?filter=displayName%20eq'), 400, 'invalidFilter'],
    ];
    for (const [call, status, scimType] of cases) {
      const answer = await call;
      expect({ status: answer.status, scimType: answer.body.scimType }).toEqual({ status, scimType });
    }
    expect((await scim.patch('/scim/v2/Groups/unknown-id').send(patchOf({ op: 'add', path: 'members', value: [] }))).status).toBe(404);
  });

  describe("a user's read-only groups (RFC 7643 §4.1.2, rule G1)", () => {
    it('given a user in two groups, when the user is read, then groups lists both as direct memberships; after a removal, one', async () => {
      const user = await createUser();
      const first = await createGroup([user], 'Member Of A');
      const second = await createGroup([user], 'Member Of B');
      const got = await scim.get(`/scim/v2/Users/${user}`);
      expect(got.body.groups).toEqual([
        { value: first, $ref: expect.stringMatching(new RegExp(`/scim/v2/Groups/${first}$`)), display: 'Member Of A', type: 'direct' },
        { value: second, $ref: expect.stringMatching(new RegExp(`/scim/v2/Groups/${second}$`)), display: 'Member Of B', type: 'direct' },
      ]);
      const listed = await scim.get(`/scim/v2/Users?filter=${encodeURIComponent(`id eq "${user}"`)}`);
      expect(listed.body.Resources[0].groups.map((g: { value: string }) => g.value)).toEqual([first, second]);
      await scim.patch(`/scim/v2/Groups/${first}`).send(patchOf({ op: 'remove', path: `members[value eq "${user}"]` }));
      expect((await scim.get(`/insync/scim/Users/${user}`)).body.groups.map((g: { value: string }) => g.value)).toEqual([second]);
    });

    it('given a user, when a PATCH changes its groups, then 400 mutability; when a PUT sends groups, they are ignored', async () => {
      const user = await createUser();
      const group = await createGroup([], 'Not Through Users');
      const patched = await scim.patch(`/scim/v2/Users/${user}`).send(patchOf({ op: 'add', path: 'groups', value: [{ value: group }] }));
      expect(patched.status).toBe(400);
      expect(patched.body.scimType).toBe('mutability');
      const current = (await scim.get(`/scim/v2/Users/${user}`)).body;
      const put = await scim.put(`/scim/v2/Users/${user}`).send({ ...current, groups: [{ value: group }] });
      expect(put.status).toBe(200);
      expect((await scim.get(`/scim/v2/Users/${user}`)).body.groups).toBeUndefined();
    });
  });

  it('given a member deleted for good (rule L10), then no membership row of it is left, the group no longer lists it, and a PUT answers without it', async () => {
    const [kept, gone] = [await createUser(), await createUser()];
    const id = await createGroup([kept, gone], 'Outlives A Member');
    const metadata = {
      tenantId: 'tenant-a',
      actor: { kind: 'operator', id: 'test' },
      requestId: 'req-delete-for-good',
      userAgent: null,
      clientAddress: null,
      now: new Date().toISOString(),
    };
    // Rule G1: the IdP's DELETE preserves the user and leaves its membership; only the deletion for good removes it.
    expect((await scim.delete(`/scim/v2/Users/${gone}`)).status).toBe(204);
    expect(await t.readModel.getRepository(ScimGroupMemberRow).countBy({ userId: gone })).toBe(1);
    expect(await t.app.get(PermanentDeletion).delete(gone, 'deleted_by_admin', metadata as never)).toBe(true);
    expect(await t.readModel.getRepository(ScimGroupMemberRow).countBy({ userId: gone })).toBe(0);
    expect(await membersOf(id)).toEqual([kept]);
    const put = await scim.put(`/scim/v2/Groups/${id}`).send({ schemas: [GROUP], displayName: 'Outlives A Member', members: [{ value: kept }] });
    expect(put.status).toBe(200);
    expect(put.body.members.map((m: { value: string }) => m.value)).toEqual([kept]);
  });

  describe('listing', () => {
    let member: string;
    let target: string;
    beforeAll(async () => {
      member = await createUser();
      target = await createGroup([member], 'Listed Target');
      await createGroup([], 'Listed Other');
    });
    const list = async (query: string) => {
      const answer = await scim.get(`/scim/v2/Groups?${query}`);
      expect(answer.status).toBe(200);
      return answer.body as { totalResults: number; itemsPerPage: number; startIndex: number; Resources: { id: string; members?: unknown }[] };
    };
    const ids = (page: { Resources: { id: string }[] }) => page.Resources.map((r) => r.id);

    it.each([['displayName eq "listed target"'], ['externalId eq "ext-Listed Target"'], ['displayName sw "Listed T"']])(
      'given groups, when filtered by %s, then the one that matches',
      async (filter) => {
        expect(ids(await list(`filter=${encodeURIComponent(filter)}`))).toEqual([target]);
      },
    );

    it('given a member, when filtered by id and members eq, members[value eq] and members eq, then its group only', async () => {
      for (const filter of [
        `id eq "${target}" and members eq "${member}"`,
        `members[value eq "${member}"]`,
        `members eq "${member}"`,
        `members.value eq "${member}"`,
      ]) {
        expect({ filter, ids: ids(await list(`filter=${encodeURIComponent(filter)}`)) }).toEqual({ filter, ids: [target] });
      }
      expect((await list(`filter=${encodeURIComponent(`id eq "${target}" and members eq "someone-else"`)}`)).totalResults).toBe(0);
    });

    it('given groups, when paged with startIndex and count, then totalResults counts all and the page holds count', async () => {
      const all = await list('count=1000');
      expect(all.totalResults).toBeGreaterThan(3);
      const page = await list('startIndex=2&count=2&excludedAttributes=members');
      expect(page).toMatchObject({ totalResults: all.totalResults, itemsPerPage: 2, startIndex: 2 });
      expect(ids(page)).toEqual(ids(all).slice(1, 3));
      expect(page.Resources.every((r) => r.members === undefined)).toBe(true);
    });

    it('given POST /Groups/.search, then the same as the GET', async () => {
      const answer = await scim
        .post('/scim/v2/Groups/.search')
        .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'displayName eq "Listed Target"', excludedAttributes: ['members'] });
      expect(answer.status).toBe(200);
      expect(answer.body.Resources.map((r: { id: string }) => r.id)).toEqual([target]);
      expect(answer.body.Resources[0].members).toBeUndefined();
    });
  });

  it(
    'given 100 users, when each is added to one group by its own PATCH, all at once (Entra ID), then the group has exactly 100 members',
    async () => {
      const ids: string[] = [];
      for (let i = 0; i < 100; i++) ids.push(await createUser());
      const id = await createGroup([], 'Parallel Adds');
      const answers = await Promise.all(
        ids.map((value) => scim.patch(`/scim/v2/Groups/${id}`).send(patchOf({ op: 'Add', path: 'members', value: [{ value }] }))),
      );
      expect(answers.filter((a) => a.status !== 204).map((a) => a.body)).toEqual([]);
      expect(await membersOf(id)).toEqual([...ids].sort());
      expect((await scim.get(`/scim/v2/Groups/${id}?excludedAttributes=members`)).headers.etag).toBe('W/"100"');
    },
    TIMEOUTS.load,
  );

  it('given every group request above, then the projector set no event aside (each projection read every group event)', async () => {
    expect(await t.readModel.getRepository(ProjectionFailureRow).find()).toEqual([]);
  });
});
