import request from 'supertest';
import { UserMembershipChangeRow } from '@scim-ledger/read-model';
import { eventually } from './support/polling';
import { builtEntry } from './support/processes';
import { runCli } from './support/run-cli';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, freshStorage, SCIM_JSON, startTestApp, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTRA_AGENT = 'Microsoft.AAD.Provisioning';
const OKTA_AGENT = 'Okta SCIM Client 1.0.0';

// The CLI runs built (support/processes.ts, builtEntry): built here, under the build's time-out.
beforeAll(() => builtEntry('cli'), TIMEOUTS.build);

/** Issue 19, items 3 and 5: a user's groups in its own history, the audit feed by group, and the admin API's groups. */
describe(`group memberships for the admin and support on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let admin: { clientId: string; clientSecret: string };
  let token: string;
  const moments: Record<string, string> = {};

  const scim = (agent: string, requestId: string) => {
    const call = (test: request.Test) => test.set('Authorization', `Bearer ${token}`).set('User-Agent', agent).set('X-Request-Id', requestId);
    return {
      post: (url: string, body: object) => call(request(t.http).post(url)).set('Content-Type', SCIM_JSON).send(body),
      put: (url: string, body: object) => call(request(t.http).put(url)).set('Content-Type', SCIM_JSON).send(body),
      patch: (url: string, operations: object[]) =>
        call(request(t.http).patch(url))
          .set('Content-Type', SCIM_JSON)
          .send({ schemas: [PATCH_OP], Operations: operations }),
      delete: (url: string) => call(request(t.http).delete(url)),
    };
  };
  const adminGet = (url: string) => request(t.http).get(`/admin/v1/tenants/gm${url}`).auth(admin.clientId, admin.clientSecret);
  const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
  const mark = async (name: string) => {
    await pause();
    moments[name] = new Date().toISOString();
    await pause();
  };
  let users = 0;
  const createUser = async (displayName: string) => {
    const answer = await scim(ENTRA_AGENT, `user-${++users}`).post('/scim/v2/Users', entraUser(`member${users}@gm.test`, { displayName }));
    expect(answer.status).toBe(201);
    return answer.body.id as string;
  };
  const summaries = async (userId: string) => {
    const history = await adminGet(`/users/${userId}/history`);
    expect(history.status).toBe(200);
    return (history.body.entries as { summary: string }[]).map((entry) => entry.summary);
  };

  let ada: string;
  let bob: string;
  let sales: string;
  let support: string;

  beforeAll(async () => {
    const storage = await freshStorage();
    env = storage.env;
    drop = storage.drop;
    t = await startTestApp({ ...env, ADMIN_OPERATOR_TOKEN: OPERATOR, RATE_LIMIT_MAX: '0' });
    ({ admin, token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'gm', name: 'Group Memberships' }));
    ada = await createUser('Ada');
    bob = await createUser('Bob');
    await mark('beforeGroups');
    // Entra ID creates Sales with Ada, then adds Bob; Okta creates Support with Bob, renames it, then removes him.
    const created = await scim(ENTRA_AGENT, 'entra-g1').post('/scim/v2/Groups', { schemas: [GROUP], displayName: 'Sales', members: [{ value: ada }] });
    expect(created.status).toBe(201);
    sales = created.body.id;
    await mark('adaInSales');
    expect((await scim(ENTRA_AGENT, 'entra-g2').patch(`/scim/v2/Groups/${sales}`, [{ op: 'Add', path: 'members', value: [{ value: bob }] }])).status).toBe(204);
    const other = await scim(OKTA_AGENT, 'okta-g1').post('/scim/v2/Groups', { schemas: [GROUP], displayName: 'Support', members: [{ value: bob }] });
    expect(other.status).toBe(201);
    support = other.body.id;
    await mark('bobInBoth');
    expect(
      (await scim(OKTA_AGENT, 'okta-g2').put(`/scim/v2/Groups/${support}`, { schemas: [GROUP], displayName: 'Support Desk', members: [{ value: bob }] }))
        .status,
    ).toBe(200);
    const removed = await scim(OKTA_AGENT, 'okta-g3').patch(`/scim/v2/Groups/${support}`, [{ op: 'remove', path: `members[value eq "${bob}"]` }]);
    expect(removed.status).toBe(204);
    await mark('bobInSalesOnly');
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  describe("in the member's own history (rule G2)", () => {
    it("given a group created with a member, when the admin reads that user's history, then the membership shows with the group, who, when and the request id", async () => {
      const history = await adminGet(`/users/${ada}/history`);
      expect(history.status).toBe(200);
      expect(history.body.totalResults).toBe(2);
      expect(history.body.entries[1]).toMatchObject({
        type: 'GroupCreated',
        streamId: `group-${sales}`,
        revision: 0,
        group: { id: sales, displayName: 'Sales' },
        actor: { kind: 'scim-token' },
        userAgent: ENTRA_AGENT,
        requestId: 'entra-g1',
        summary: 'Added to group "Sales" by Microsoft Entra ID, request entra-g1',
        changes: [{ attribute: 'groups', from: null, to: { value: sales, display: 'Sales' } }],
      });
      expect(Date.parse(history.body.entries[1].occurredAt)).toBeLessThanOrEqual(Date.parse(moments.adaInSales));
    });

    it("given a PATCH add, a create, a rename and a remove, when the member's history is read, then each membership change shows in time order by the group's name then", async () => {
      expect(await summaries(bob)).toEqual([
        expect.stringMatching(/^Created as member2@gm\.test by Microsoft Entra ID/),
        'Added to group "Sales" by Microsoft Entra ID, request entra-g2',
        'Added to group "Support" by Okta, request okta-g1',
        'Removed from group "Support Desk" by Okta, request okta-g3',
      ]);
      const page = await adminGet(`/users/${bob}/history?startIndex=3&count=1`);
      expect(page.body).toMatchObject({ totalResults: 4, startIndex: 3, entries: [{ group: { id: support }, requestId: 'okta-g1' }] });
    });

    it('given a moment, when the admin asks for the state then, then its groups are those of that moment', async () => {
      const groupsAt = async (query: string) => {
        const state = await adminGet(`/users/${bob}/state${query}`);
        expect(state.status).toBe(200);
        return (state.body.groups as { id: string; displayName: string }[]).map((group) => group.displayName);
      };
      expect(await groupsAt(`?at=${encodeURIComponent(moments.beforeGroups)}`)).toEqual([]);
      expect(await groupsAt(`?at=${encodeURIComponent(moments.bobInBoth)}`)).toEqual(['Sales', 'Support']);
      expect(await groupsAt(`?at=${encodeURIComponent(moments.bobInSalesOnly)}`)).toEqual(['Sales']);
      expect(await groupsAt('')).toEqual(['Sales']);
      // Revision 0 is the user's creation, before any group.
      expect(await groupsAt('?revision=0')).toEqual([]);
    });

    it('given a group deleted while the user was a member, then the history says so', async () => {
      const carol = await createUser('Carol');
      const doomed = await scim(ENTRA_AGENT, 'entra-g3').post('/scim/v2/Groups', { schemas: [GROUP], displayName: 'Doomed', members: [{ value: carol }] });
      expect((await scim(ENTRA_AGENT, 'entra-g4').delete(`/scim/v2/Groups/${doomed.body.id}`)).status).toBe(204);
      expect((await summaries(carol)).slice(1)).toEqual([
        'Added to group "Doomed" by Microsoft Entra ID, request entra-g3',
        'No longer in group "Doomed": the group was deleted by Microsoft Entra ID, request entra-g4',
      ]);
      expect((await adminGet(`/users/${carol}/state`)).body.groups).toEqual([]);
    });

    it(
      'given a member, when support replays the user with the CLI, then its membership changes show among its events, and --until stops them too',
      async () => {
        const replayed = await runCli(env, 'replay', 'user', bob);
        expect(replayed.code).toBe(0);
        expect(replayed.stdout).toContain(`group-${sales}#1`);
        expect(replayed.stdout).toContain('Added to group "Sales" by Microsoft Entra ID, request entra-g2');
        expect(replayed.stdout).toContain('Removed from group "Support Desk" by Okta, request okta-g3');
        expect(replayed.stdout).toContain('1 of 1 event(s) replayed, 3 membership change(s)');
        const json = JSON.parse((await runCli(env, 'replay', 'user', bob, '--json', '--until', moments.bobInBoth)).stdout);
        expect(json.entries.map((entry: { summary: string }) => entry.summary).slice(1)).toEqual([
          'Added to group "Sales" by Microsoft Entra ID, request entra-g2',
          'Added to group "Support" by Okta, request okta-g1',
        ]);
      },
      TIMEOUTS.requests,
    );

    (E2E_DATABASE === 'sqlite' ? it : it.skip)(
      'given a read model the CLI cannot open, when a user is replayed, then its own events still show, and stderr says the membership changes are not shown',
      async () => {
        const replayed = await runCli({ ...env, READ_MODEL: 'postgres', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, 'replay', 'user', bob);
        expect(replayed.code).toBe(0);
        expect(replayed.stdout).toContain('1 of 1 event(s) replayed, 0 membership change(s)');
        expect(replayed.stderr).toContain('membership changes not shown: the read model could not be read');
      },
      TIMEOUTS.requests,
    );

    it(
      'given a member deleted for good (rule L10), then no membership change of it is left, and verify finds no difference',
      async () => {
        const dan = await createUser('Dan');
        expect((await scim(ENTRA_AGENT, 'entra-g5').patch(`/scim/v2/Groups/${sales}`, [{ op: 'Add', path: 'members', value: [{ value: dan }] }])).status).toBe(
          204,
        );
        expect(await t.readModel.getRepository(UserMembershipChangeRow).countBy({ userId: dan })).toBe(1);
        expect((await scim(ENTRA_AGENT, 'entra-u9').delete(`/scim/v2/Users/${dan}`)).status).toBe(204);
        const deleted = await request(t.http).delete(`/admin/v1/tenants/gm/users/${dan}`).auth(admin.clientId, admin.clientSecret);
        expect(deleted.status).toBe(204);
        expect(await t.readModel.getRepository(UserMembershipChangeRow).countBy({ userId: dan })).toBe(0);
        // The IdP removes it afterwards: still nothing of it.
        expect(
          (await scim(ENTRA_AGENT, 'entra-g6').patch(`/scim/v2/Groups/${sales}`, [{ op: 'Remove', path: 'members', value: [{ value: dan }] }])).status,
        ).toBe(204);
        expect(await t.readModel.getRepository(UserMembershipChangeRow).countBy({ userId: dan })).toBe(0);
        const verify = await runCli(env, 'verify');
        expect(verify.stdout).toContain('0 difference(s)');
        expect(verify.code).toBe(0);
      },
      TIMEOUTS.requests,
    );
  });

  describe('the audit feed by group (issue 19, item 3)', () => {
    it("given a group's events and a refused PATCH of it, when the feed is filtered by its id, then it holds those and nothing of other groups", async () => {
      const refused = await scim(OKTA_AGENT, 'okta-g4').patch(`/scim/v2/Groups/${support}`, [
        { op: 'add', path: 'members', value: [{ value: 'nobody-here' }] },
      ]);
      expect(refused.status).toBe(400);
      expect(refused.body.scimType).toBe('invalidValue');
      // A refusal is recorded as the IdP is answered and projected after it (rule S2): waited for.
      const feed = await eventually(
        () => adminGet(`/audit?groupId=${support}`),
        (answer) => answer.status !== 200 || answer.body.totalResults >= 4,
        TIMEOUTS.background,
        "the group's refusal in the feed",
      );
      expect(feed.status).toBe(200);
      expect(feed.body.entries.map((entry: { eventType: string; requestId: string }) => `${entry.eventType} ${entry.requestId}`)).toEqual([
        'GroupCreated okta-g1',
        'GroupChanged okta-g2',
        'GroupMembersChanged okta-g3',
        'ProvisioningRefused okta-g4',
      ]);
      expect(feed.body.entries.every((entry: { groupId: string }) => entry.groupId === support)).toBe(true);
      expect(feed.body.totalResults).toBe(4);
      expect(feed.body.entries[3]).toMatchObject({ outcome: 'refused', data: { operation: 'patch', groupId: support, reason: 'UnknownGroupMember' } });
      const refusals = await adminGet(`/audit?groupId=${support}&outcome=refused`);
      expect(refusals.body.totalResults).toBe(1);
      expect((await adminGet('/audit?groupId=no-such-group')).body.totalResults).toBe(0);
    });
  });

  describe('the admin API of groups (issue 19, item 5)', () => {
    it('given groups, when the admin lists them, then each shows with its number of members, by name, searchable and paginated', async () => {
      const all = await adminGet('/groups');
      expect(all.status).toBe(200);
      expect(all.body.groups.map((group: { displayName: string }) => group.displayName)).toEqual(['Sales', 'Support Desk']);
      expect(all.body).toMatchObject({
        total: 2,
        groups: [
          { id: sales, members: 2 },
          { id: support, members: 0, externalId: null },
        ],
      });
      const searched = await adminGet(`/groups?q=${encodeURIComponent('DESK')}`);
      expect(searched.body).toMatchObject({ total: 1, groups: [{ id: support, displayName: 'Support Desk' }] });
      // A LIKE wildcard is searched as itself.
      expect((await adminGet('/groups?q=%25')).body.total).toBe(0);
      const second = await adminGet('/groups?startIndex=2&count=1');
      expect(second.body).toMatchObject({ total: 2, groups: [{ id: support }] });
      expect((await adminGet('/groups?count=201')).status).toBe(400);
    });

    it('given a group, when the admin reads it, then its members come a page at a time with id, userName and displayName', async () => {
      const group = await adminGet(`/groups/${sales}`);
      expect(group.status).toBe(200);
      expect(group.body).toMatchObject({ id: sales, displayName: 'Sales', members: { totalResults: 2, startIndex: 1 } });
      expect(group.body.members.items).toEqual(
        [
          { id: ada, userName: 'member1@gm.test', displayName: 'Ada' },
          { id: bob, userName: 'member2@gm.test', displayName: 'Bob' },
        ].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      const ids = (group.body.members.items as { id: string }[]).map((member) => member.id);
      const page = await adminGet(`/groups/${sales}?startIndex=2&count=1`);
      expect(page.body.members).toEqual({ totalResults: 2, startIndex: 2, items: [expect.objectContaining({ id: ids[1] })] });
    });

    it('given a user in a group, when the admin reads the user, then its groups show with id and display name', async () => {
      const user = await adminGet(`/users/${bob}`);
      expect(user.status).toBe(200);
      expect(user.body.groups).toEqual([{ id: sales, displayName: 'Sales' }]);
      expect((await adminGet(`/users/${ada}`)).body.groups).toEqual([{ id: sales, displayName: 'Sales' }]);
    });

    it(
      "given another tenant's group, or none, when the admin reads it, then 404 in problem details, and the operator token gets 403",
      async () => {
        const { admin: other } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'gm-other', name: 'Other' });
        const theirs = await request(t.http).get(`/admin/v1/tenants/gm-other/groups/${sales}`).auth(other.clientId, other.clientSecret);
        expect(theirs.status).toBe(404);
        expect(theirs.headers['content-type']).toContain('application/problem+json');
        expect((await request(t.http).get('/admin/v1/tenants/gm-other/groups').auth(other.clientId, other.clientSecret)).body).toEqual({
          total: 0,
          groups: [],
        });
        expect((await request(t.http).get('/admin/v1/tenants/gm/groups').auth(other.clientId, other.clientSecret)).status).toBe(404);
        expect((await adminGet('/groups/no-such-group')).status).toBe(404);
        expect((await request(t.http).get('/admin/v1/tenants/gm/groups').set('Authorization', `Bearer ${OPERATOR}`)).status).toBe(403);
      },
      TIMEOUTS.requests,
    );

    it('given the OpenAPI document, then it describes the group routes for a tenant credential', async () => {
      const document = (await request(t.http).get('/admin/docs/openapi.json')).body;
      for (const path of ['/admin/v1/tenants/{tenantId}/groups', '/admin/v1/tenants/{tenantId}/groups/{groupId}'])
        expect(document.paths[path].get.security).toEqual([{ 'api-credential': [] }]);
    });
  });
});
