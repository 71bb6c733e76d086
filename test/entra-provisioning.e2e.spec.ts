import { randomUUID } from 'node:crypto';
import { AuditEntryRow, ScimUserRow } from '@scim-ledger/read-model';
import {
  CORE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  ENTRA_USER_AGENT,
  IdpClient,
  entraClient,
  expectListResponse,
  expectScimError,
  expectStatus,
  expectUserResponse,
  filterQuery,
  patchOp,
} from './support/idp-requests';
import { E2E_DATABASE, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';

/*
 * Microsoft Entra ID provisioning a user, request by request, as its docs show
 * (MicrosoftDocs/entra-docs, docs/identity/app-provisioning/):
 *   [tutorial]  use-scim-to-provision-users-and-groups.md, "User Operations" and
 *               "Handling provisioning and deprovisioning of users" (Examples 1–6)
 *   [quirks]    application-provisioning-config-problem-scim-compatibility.md
 *   [how]       how-provisioning-works.md (cycles: match by userName/externalId, then create;
 *               disable/soft delete/unassign = PATCH active false; hard delete = DELETE)
 * The docs' ids are examples; every step uses the id we returned. Each `it` is one request.
 */

const SCIM = '/scim/v2';
const ALIAS = '/insync/scim';

describe(`Microsoft Entra ID provisioning flow on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let entra: IdpClient;
  beforeAll(async () => {
    t = await startTestApp();
    entra = entraClient(t, TENANT_A_TOKEN);
  });
  afterAll(async () => {
    await t?.close();
  });

  const userRow = (id: string) => t.readModel.getRepository(ScimUserRow).findOneByOrFail({ id });

  describe('user lifecycle: match, create, update, disable, enable, delete', () => {
    // [tutorial] "Create User" request, values as shown there.
    const userName = 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee';
    const externalId = '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef';
    const workEmail = 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com';
    let id: string;
    let version: string;
    let currentUserName = userName;
    let currentExternalId = externalId;
    let disableRequestId: string;

    it('[how] initial cycle: given no such user, when Entra matches on userName, then 200 with an empty ListResponse', async () => {
      const response = await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${userName}"`)}`);
      expectListResponse(response, SCIM, 0);
      expect(response.body.Resources).toEqual([]);
    });

    it('[tutorial Example 1] given no such user, when Entra matches on externalId, then 200 with an empty ListResponse', async () => {
      const response = await entra.get(`${SCIM}/Users${filterQuery(`externalId eq "${externalId}"`)}`);
      expectListResponse(response, SCIM, 0);
    });

    it('[tutorial "Create User"] when Entra POSTs the user, then 201 with id, Location, ETag and what was sent', async () => {
      const response = await entra.post(`${SCIM}/Users`, {
        schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        externalId,
        userName,
        active: true,
        // Not in the tutorial's minimal example; Entra's default mapping sends it (Example 2) and rule L1 requires it.
        displayName: 'givenName familyName',
        emails: [{ primary: true, type: 'work', value: workEmail }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
      });

      const user = expectUserResponse(response, SCIM, 201);
      expect(response.headers.location).toBe((user.meta as Record<string, unknown>).location);
      expect(user).toMatchObject({
        externalId,
        userName,
        active: true,
        name: { familyName: 'familyName', givenName: 'givenName' },
        emails: [{ value: workEmail, type: 'work', primary: true }],
      });
      id = user.id as string;
      version = (user.meta as Record<string, string>).version;
    });

    it('[tutorial "Get User"] when Entra GETs the id it cached, then 200 with the same user', async () => {
      const response = await entra.get(`${SCIM}/Users/${id}`);
      const user = expectUserResponse(response, SCIM);
      expect(user).toMatchObject({ id, externalId, userName, active: true, meta: { version } });
    });

    it('[tutorial "Get User", not found] when Entra GETs an id we never issued, then 404 in the SCIM error schema', async () => {
      expectScimError(await entra.get(`${SCIM}/Users/5171a35d82074e068ce2`), 404);
    });

    it('[tutorial "Get User by query"] when Entra filters on userName, then a ListResponse holding exactly that user', async () => {
      const resources = expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${userName}"`)}`), SCIM, 1);
      expect(resources[0]).toMatchObject({ id, userName, externalId, active: true });
    });

    it('[tutorial Example 1, how] when Entra filters on externalId (the matching attribute it may be set to), then that user', async () => {
      const resources = expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`externalId eq "${externalId}"`)}`), SCIM, 1);
      expect(resources[0].id).toBe(id);
    });

    it('[tutorial "/Users": uniqueness attributes] when Entra filters on emails[type eq "work"].value, then that user', async () => {
      const response = await entra.get(`${SCIM}/Users${filterQuery(`emails[type eq "work"].value eq "${workEmail}"`)}`);
      expect(expectListResponse(response, SCIM, 1)[0].id).toBe(id);
    });

    it.each([SCIM, ALIAS])(
      '[tutorial "Get User by query - Zero results", Test Connection] when Entra filters on a random GUID at %s, then 200 with zero results',
      async (base) => {
        const response = await entra.get(`${base}/Users${filterQuery(`userName eq "${randomUUID()}"`)}`);
        expectListResponse(response, base, 0);
        expect(response.body.Resources).toEqual([]);
      },
    );

    it('[quirks "Requests made to disable users", without flag] when Entra PATCHes op "Replace" active "False", then 200, inactive, kept Preserved (rule L4)', async () => {
      const response = await entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([{ op: 'Replace', path: 'active', value: 'False' }]),
      );

      const user = expectUserResponse(response, SCIM);
      expect(user).toMatchObject({ id, userName, active: false });
      expect(await userRow(id)).toMatchObject({ status: 'Preserved', preservedBy: 'idp', active: false, deletedInIdp: false });
      disableRequestId = response.headers['x-request-id'];
    });

    it('[tutorial: "returned whether or not the user is active"] when Entra GETs the disabled user, then 200 with active false', async () => {
      const user = expectUserResponse(await entra.get(`${SCIM}/Users/${id}`), SCIM);
      expect(user).toMatchObject({ id, active: false });
    });

    it('[tutorial: "returned whether or not the user is active"] when Entra matches the disabled user on userName, then it is found', async () => {
      const resources = expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${userName}"`)}`), SCIM, 1);
      expect(resources[0]).toMatchObject({ id, active: false });
    });

    it('[quirks, tutorial "restoring the user active=true"] when Entra PATCHes op "Replace" active "True", then 200 and Active again (rule L5)', async () => {
      const response = await entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Replace', path: 'active', value: 'True' }]));

      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, active: true });
      expect(await userRow(id)).toMatchObject({ status: 'Active', active: true });
    });

    it('[quirks "Requests to replace multiple attributes", with flag] when Entra sends a path-less replace keyed by "name.givenName" and URNs, then 200 and each is applied', async () => {
      const response = await entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([
          { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
          {
            op: 'replace',
            value: {
              displayName: 'Bjfe',
              'name.givenName': 'Kkom',
              'name.familyName': 'Unua',
              'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': 'Aklq',
            },
          },
        ]),
      );

      expect(expectUserResponse(response, SCIM)).toMatchObject({
        id,
        userName,
        displayName: 'Bjfe',
        name: { givenName: 'Kkom', familyName: 'Unua' },
        emails: [{ value: 'TestMhvaes@test.microsoft.com', type: 'work', primary: true }],
        active: true,
      });
    });

    it('[quirks path-less replace; tutorial schema example "manager": "123456"] when the value carries "name.givenName" and an enterprise manager URN key with a plain string, then 200, the name changes and the manager is ignored', async () => {
      const response = await entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([
          {
            op: 'replace',
            value: {
              'name.givenName': 'Barbara',
              'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager': '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
            },
          },
        ]),
      );

      expect(expectUserResponse(response, SCIM)).toMatchObject({
        id,
        displayName: 'Bjfe',
        name: { givenName: 'Barbara', familyName: 'Unua' },
        active: true,
      });
    });

    it('[quirks "Requests to replace multiple attributes", without flag] when Entra sends one "Replace" per path, URN path included, then 200 and each is applied', async () => {
      const response = await entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([
          { op: 'Replace', path: 'displayName', value: 'Pvlo' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
          { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
          { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
          { op: 'Replace', path: 'externalId', value: 'Eqpj' },
          { op: 'Replace', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', value: 'Eqpj' },
        ]),
      );

      expect(expectUserResponse(response, SCIM)).toMatchObject({
        id,
        externalId: 'Eqpj',
        displayName: 'Pvlo',
        name: { givenName: 'Gtfd', familyName: 'Pkqf' },
        emails: [{ value: 'TestBcwqnm@test.microsoft.com', type: 'work' }],
      });
      currentExternalId = 'Eqpj';
    });

    it('[tutorial "Update User [Multi-valued properties]"] when Entra replaces emails[type eq "work"].value and name.familyName, then 200 with both changed', async () => {
      const response = await entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ]),
      );

      expect(expectUserResponse(response, SCIM)).toMatchObject({
        id,
        userName,
        name: { familyName: 'updatedFamilyName', givenName: 'Gtfd' },
        emails: [{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }],
        active: true,
      });
    });

    it('[tutorial "/Users": uniqueness attributes] when Entra filters on the new work email, then the same user', async () => {
      const response = await entra.get(`${SCIM}/Users${filterQuery('emails[type eq "work"].value eq "updatedEmail@microsoft.com"')}`);
      expect(expectListResponse(response, SCIM, 1)[0].id).toBe(id);
    });

    it('[tutorial "Update User [Single-valued properties]"] when Entra replaces userName, then 200, renamed, same id (rule L3)', async () => {
      const newUserName = '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com';
      const response = await entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Replace', path: 'userName', value: newUserName }]));

      expect(expectUserResponse(response, SCIM)).toMatchObject({
        id,
        userName: newUserName,
        emails: [{ value: 'updatedEmail@microsoft.com', type: 'work' }],
      });
      currentUserName = newUserName;
    });

    it('[how: match on userName] when Entra matches on the old and the new userName, then only the new one finds the user', async () => {
      expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${userName}"`)}`), SCIM, 0);
      const resources = expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${currentUserName}"`)}`), SCIM, 1);
      expect(resources[0].id).toBe(id);
    });

    it('[quirks "Requests made to add a single-value string attribute", without flag] when Entra Adds nickName (not kept, rule A3), then 200', async () => {
      const response = await entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Add', path: 'nickName', value: 'Babs' }]));
      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, userName: currentUserName, active: true });
      version = (response.body.meta as Record<string, string>).version;
    });

    it('[Microsoft SCIM Validator: PATCH with no operations] when Entra PATCHes an empty Operations array, then 200 and nothing changes', async () => {
      const before = await userRow(id);

      const response = await entra.patch(`${SCIM}/Users/${id}`, patchOp([]));

      const user = expectUserResponse(response, SCIM);
      expect(user).toMatchObject({ id, userName: currentUserName, meta: { version } });
      expect(response.headers.etag).toBe(version);
      expect(await userRow(id)).toEqual(before);
    });

    it('[tutorial "Disable User"; how: soft delete] when Entra PATCHes "Replace" active false (a boolean), then 200 and inactive', async () => {
      const response = await entra.patch(`${SCIM}/Users/${id}`, {
        Operations: [{ op: 'Replace', path: 'active', value: false }],
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      });

      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, active: false });
    });

    it('[tutorial "Delete User"; how: hard delete 30 days later] when Entra DELETEs the user, then 204 with no body', async () => {
      const response = await entra.delete(`${SCIM}/Users/${id}`);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
    });

    it('[tutorial "Get User", not found] when Entra GETs the deleted user, then 404 (rule L4)', async () => {
      expectScimError(await entra.get(`${SCIM}/Users/${id}`), 404);
    });

    it('[how: match before create] when Entra matches the deleted user on userName or externalId, then zero results, and the admin still has it Preserved (rule L4)', async () => {
      expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${currentUserName}"`)}`), SCIM, 0);
      expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`externalId eq "${currentExternalId}"`)}`), SCIM, 0);
      expect(await userRow(id)).toMatchObject({ status: 'Preserved', deletedInIdp: true, userName: currentUserName });
    });

    it('[how: no match, so create] when Entra provisions the same userName again, then 201 and the preserved user is Active again, not a duplicate (rule L5)', async () => {
      const response = await entra.post(`${SCIM}/Users`, {
        schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        externalId: currentExternalId,
        userName: currentUserName,
        active: true,
        displayName: 'Pvlo',
        emails: [{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }],
        meta: { resourceType: 'User' },
        name: { formatted: 'Gtfd updatedFamilyName', familyName: 'updatedFamilyName', givenName: 'Gtfd' },
        roles: [],
      });

      const user = expectUserResponse(response, SCIM, 201);
      expect(user).toMatchObject({ id, userName: currentUserName, active: true });
      const rows = await t.readModel.getRepository(ScimUserRow).findBy({ tenantId: 'tenant-a', userNameLower: currentUserName.toLowerCase() });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: user.id, status: 'Active', deletedInIdp: false });
    });

    it('[rule S1] then every change Entra made is in the audit trail with its user agent and request id, e.g. who disabled the user', async () => {
      const audit = await t.readModel.getRepository(AuditEntryRow).find({ where: { userId: id }, order: { streamRevision: 'ASC' } });
      expect(audit.length).toBeGreaterThan(0);
      for (const entry of audit) {
        expect(entry).toMatchObject({ tenantId: 'tenant-a', actorKind: 'scim-token', userAgent: ENTRA_USER_AGENT });
      }
      // Entra sends no X-Request-Id: the one we generated and answered with is the one recorded.
      expect(disableRequestId).toEqual(expect.any(String));
      expect(audit.filter((entry) => entry.requestId === disableRequestId)).not.toHaveLength(0);
    });
  });

  describe('tutorial "Handling provisioning and deprovisioning of users", Examples 1–6', () => {
    let id: string;

    it('Example 1: given no such user, when Entra queries externalId eq "jyoung", then zero results', async () => {
      // The tutorial prints the value unquoted; RFC 7644 §3.4.2.2 requires quotes and Entra sends them.
      expectListResponse(await entra.get(`${SCIM}/Users${filterQuery('externalId eq "jyoung"')}`), SCIM, 0);
    });

    it('Example 2: when Entra POSTs the user with null attributes and a misspelt extension URN, then 201', async () => {
      const body = `{
   "schemas":
   [
     "urn:ietf:params:scim:schemas:core:2.0:User",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
   "externalId":"jyoung",
   "userName":"jyoung@testuser.com",
   "active":true,
   "addresses":null,
   "displayName":"Joy Young",
   "emails": [
     {
       "type":"work",
       "value":"jyoung@Contoso.com",
       "primary":true}],
   "meta": {
     "resourceType":"User"},
    "name":{
     "familyName":"Young",
     "givenName":"Joy"},
   "phoneNumbers":null,
   "preferredLanguage":null,
   "title":null,
   "department":null,
   "manager":null}`;

      const response = await entra.post(`${SCIM}/Users`, body, 'application/scim+json');

      const user = expectUserResponse(response, SCIM, 201);
      // Tutorial, General: values are stored in the format they were sent.
      expect(user).toMatchObject({
        externalId: 'jyoung',
        userName: 'jyoung@testuser.com',
        displayName: 'Joy Young',
        name: { familyName: 'Young', givenName: 'Joy' },
        emails: [{ value: 'jyoung@Contoso.com', type: 'work', primary: true }],
        active: true,
      });
      id = user.id as string;
    });

    it('Example 3: when Entra queries the current state of the user, then 200', async () => {
      expect(expectUserResponse(await entra.get(`${SCIM}/Users/${id}`), SCIM)).toMatchObject({ id, externalId: 'jyoung' });
    });

    it('Example 4: when Entra asks whether the manager reference already has a value (id and manager, attributes=id), then 200 with a ListResponse', async () => {
      const response = await entra.get(
        `${SCIM}/Users${filterQuery(`id eq "${id}" and manager eq "00aa00aa-bb11-cc22-dd33-44ee44ee44ee"`, '&attributes=id')}`,
      );
      expectStatus(response, 200);
      expect(response.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
      expect(Number.isInteger(response.body.totalResults)).toBe(true);
    });

    it('Example 5: when Entra Adds the manager as a [{$ref, value}] array, then 200 (manager is not kept, rule A3)', async () => {
      const response = await entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([
          {
            op: 'Add',
            path: 'manager',
            value: [{ $ref: 'http://localhost/scim/v2/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee', value: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee' }],
          },
        ]),
      );
      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, userName: 'jyoung@testuser.com', active: true });
    });

    it('Example 6: when Entra deprovisions the user with DELETE, then 204, and a GET is 404', async () => {
      expect((await entra.delete(`${SCIM}/Users/${id}`)).status).toBe(204);
      expectScimError(await entra.get(`${SCIM}/Users/${id}`), 404);
    });
  });
});
