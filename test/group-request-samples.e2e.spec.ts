import request from 'supertest';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

/*
 * Every Group request sample of the IdPs' documentation, request by request
 * (issue 19), with the samples' ids replaced by ours; a GET after each write
 * shows what was written.
 *   [tutorial] MicrosoftDocs/entra-docs, docs/identity/app-provisioning/use-scim-to-provision-users-and-groups.md,
 *              "Group Operations" (requests 7-13)
 *   [known]    MicrosoftDocs/entra-docs, docs/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility.md,
 *              "Requests made to remove a group member", without and with aadOptscim062020
 *   [okta]     okta/okta-developer-docs, docs/reference/scim/scim-20/index.md, "SCIM Group operations"
 */
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe(`the IdPs' documented Group requests on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const scim = {
    get: (url: string) => request(t.http).get(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`),
    post: (url: string, body: unknown) =>
      request(t.http)
        .post(url)
        .set('Authorization', `Bearer ${TENANT_A_TOKEN}`)
        .set('Content-Type', SCIM_JSON)
        .send(body as object),
    patch: (url: string, body: unknown) =>
      request(t.http)
        .patch(url)
        .set('Authorization', `Bearer ${TENANT_A_TOKEN}`)
        .set('Content-Type', SCIM_JSON)
        .send(body as object),
    delete: (url: string) => request(t.http).delete(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`),
  };
  const createUser = async (userName: string) => (await scim.post('/scim/v2/Users', entraUser(userName))).body.id as string;
  const membersOf = async (url: string) => (((await scim.get(url)).body.members ?? []) as { value: string }[]).map((m) => m.value).sort();

  describe('Entra ID [tutorial] and [known]', () => {
    const base = '/scim/v2';
    let groupUrl = '';
    let member = '';

    it('[tutorial request 7] Create Group: 201 with the group, members [] (Entra creates groups with an empty members list)', async () => {
      member = await createUser('entra-member@example.com');
      const response = await scim.post(`${base}/Groups`, {
        schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        schemas: [GROUP],
        id: expect.any(String),
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        members: [],
        meta: { resourceType: 'Group', created: expect.any(String), lastModified: expect.any(String) },
      });
      groupUrl = `${base}/Groups/${response.body.id}`;
    });

    it('[tutorial request 8] Get Group with excludedAttributes=members: 200 without members', async () => {
      const response = await scim.get(`${groupUrl}?excludedAttributes=members`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ schemas: [GROUP], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName' });
      expect(response.body).not.toHaveProperty('members');
    });

    it('[tutorial request 9] Get Group by displayName: the ListResponse with the one group, without members', async () => {
      const response = await scim.get(`${base}/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "displayName"')}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect(response.body.Resources[0]).toMatchObject({ displayName: 'displayName' });
      expect(response.body.Resources[0]).not.toHaveProperty('members');
    });

    it('[tutorial request 11] Update Group [Add Members], with "$ref": null: 204, and the GET lists the member', async () => {
      const response = await scim.patch(groupUrl, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: member }] }],
      });
      expect(response.status).toBe(204);
      expect(await membersOf(groupUrl)).toEqual([member]);
    });

    it('[tutorial request 12] Update Group [Remove Members] (= [known] without the flag): 204, and the member is gone', async () => {
      const response = await scim.patch(groupUrl, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: member }] }],
      });
      expect(response.status).toBe(204);
      expect(await membersOf(groupUrl)).toEqual([]);
    });

    it('[known, with aadOptscim062020] remove a group member by members[value eq "…"]: 204, and the member is gone', async () => {
      await scim.patch(groupUrl, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: member }] }] });
      const response = await scim.patch(groupUrl, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${member}"]` }] });
      expect(response.status).toBe(204);
      expect(await membersOf(groupUrl)).toEqual([]);
    });

    it('[tutorial request 10] Update Group [Non-member attributes]: 204, and the GET has the new displayName', async () => {
      const response = await scim.patch(groupUrl, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }],
      });
      expect(response.status).toBe(204);
      expect((await scim.get(groupUrl)).body.displayName).toBe('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
    });

    it('[tutorial request 13] Delete Group: 204, then 404', async () => {
      expect((await scim.delete(groupUrl)).status).toBe(204);
      expect((await scim.get(groupUrl)).status).toBe(404);
    });
  });

  describe('Okta [okta]', () => {
    const base = '/scim/v2';
    let groupUrl = '';
    let id = '';
    let user1 = '';
    let user2 = '';

    it('Create Groups: 201 with the group as a GET returns it', async () => {
      [user1, user2] = [await createUser('test.user@okta.local'), await createUser('another.user@okta.local')];
      const response = await scim.post(`${base}/Groups`, { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        schemas: [GROUP],
        id: expect.any(String),
        displayName: 'Test SCIMv2',
        members: [],
        meta: { resourceType: 'Group' },
      });
      id = response.body.id;
      groupUrl = `${base}/Groups/${id}`;
      expect((await scim.get(groupUrl)).body).toMatchObject({ id, displayName: 'Test SCIMv2', members: [] });
    });

    it('Retrieve Groups with startIndex=1&count=100: the page with integer totalResults, startIndex and itemsPerPage', async () => {
      const response = await scim.get(`${base}/Groups?startIndex=1&count=100`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect(response.body.Resources.map((g: { id: string }) => g.id)).toEqual([id]);
    });

    it('Update specific Group membership: remove one and add one in one PATCH; then 204 and the GET has exactly the added one', async () => {
      await scim.patch(groupUrl, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: user2 }] }] });
      const response = await scim.patch(groupUrl, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'remove', path: `members[value eq "${user2}"]` },
          { op: 'add', path: 'members', value: [{ value: user1, display: 'test.user@okta.local' }] },
        ],
      });
      expect(response.status).toBe(204);
      expect(await membersOf(groupUrl)).toEqual([user1]);
    });

    it('Update a specific Group name: a path-less replace of {id, displayName}; 204, the GET renamed, members kept', async () => {
      const response = await scim.patch(groupUrl, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id, displayName: 'Test SCIMv20' } }] });
      expect(response.status).toBe(204);
      const got = (await scim.get(groupUrl)).body;
      expect(got.displayName).toBe('Test SCIMv20');
      expect(got.members.map((m: { value: string }) => m.value)).toEqual([user1]);
    });

    it('the name update Okta sends with every membership update, unchanged: 204 and no new revision', async () => {
      const before = (await scim.get(groupUrl)).headers.etag;
      const response = await scim.patch(groupUrl, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id, displayName: 'Test SCIMv20' } }] });
      expect(response.status).toBe(204);
      expect(response.headers.etag).toBe(before);
    });

    it('a full push of the membership with replace: the members are exactly the ones sent', async () => {
      const response = await scim.patch(groupUrl, {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'replace',
            path: 'members',
            value: [
              { value: user1, display: 'test.user@okta.local' },
              { value: user2, display: 'test.user@okta.local' },
            ],
          },
        ],
      });
      expect(response.status).toBe(204);
      expect(await membersOf(groupUrl)).toEqual([user1, user2].sort());
    });

    it('Retrieve specific Groups: 200 with members, each with value and display', async () => {
      const response = await scim.get(groupUrl);
      expect(response.status).toBe(200);
      expect(response.body.members).toEqual(expect.arrayContaining([expect.objectContaining({ value: user1, display: expect.any(String) })]));
    });

    it('Delete a specific Group: 204 with an empty body, then 404', async () => {
      const response = await scim.delete(groupUrl);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expect((await scim.get(groupUrl)).status).toBe(404);
    });
  });
});
