import { randomUUID } from 'node:crypto';
import { Response } from 'supertest';
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
import { TIMEOUTS } from './support/timeouts';

/*
 * Microsoft Entra ID provisioning a user, request by request, as its docs show
 * (MicrosoftDocs/entra-docs, docs/identity/app-provisioning/):
 *   [tutorial]  use-scim-to-provision-users-and-groups.md, "User Operations" and
 *               "Handling provisioning and deprovisioning of users" (Examples 1–6)
 *   [quirks]    application-provisioning-config-problem-scim-compatibility.md
 *   [how]       how-provisioning-works.md (cycles: match by userName/externalId, then create;
 *               disable/soft delete/unassign = PATCH active false; hard delete = DELETE)
 * The docs' ids are examples; every step uses the id we returned. Each `it` is one request of the
 * flow, made on a user of its own that a given-helper has brought, by Entra's earlier requests, to
 * the state the step starts from; so each runs alone. The docs' userNames, externalIds and emails
 * are examples too: each user gets its own (GUIDs where the docs show GUIDs), since Entra matches on them.
 */

const SCIM = '/scim/v2';
const ALIAS = '/insync/scim';

/** The requests of the lifecycle below that change the user, in order: each names the state it leaves. */
const LIFECYCLE = [
  'created',
  'disabled',
  'enabled',
  'replaced with flag',
  'manager ignored',
  'replaced without flag',
  'emails and familyName replaced',
  'renamed',
  'nickName added',
  'disabled by a boolean',
  'deleted',
  'provisioned again',
] as const;
type EntraUserState = (typeof LIFECYCLE)[number];

/** What Entra knows a user by, this user's own: the tutorial's values with a GUID or a number of their own. */
interface EntraIdentity {
  readonly userName: string;
  readonly externalId: string;
  readonly workEmail: string;
  /** What the "without flag" step sets externalId to ("Eqpj" in the quirks page). */
  readonly newExternalId: string;
  /** What the "Multi-valued properties" step sets the work email to ("updatedEmail@microsoft.com"). */
  readonly newWorkEmail: string;
  /** What the "Single-valued properties" step renames the user to. */
  readonly newUserName: string;
}

let identities = 0;
function newIdentity(): EntraIdentity {
  const n = ++identities;
  return {
    userName: `Test_User_${randomUUID()}`,
    externalId: randomUUID(),
    workEmail: `Test_User_${randomUUID()}@testuser.com`,
    newExternalId: `Eqpj${n}`,
    newWorkEmail: `updatedEmail${n}@microsoft.com`,
    newUserName: `${randomUUID()}@testuser.com`,
  };
}

describe(`Microsoft Entra ID provisioning flow on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let entra: IdpClient;
  beforeAll(async () => {
    t = await startTestApp();
    entra = entraClient(t, TENANT_A_TOKEN);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const userRow = (id: string) => t.readModel.getRepository(ScimUserRow).findOneByOrFail({ id });

  /** [tutorial "Create User"] request, with this user's values. */
  const createUserBody = (who: EntraIdentity) => ({
    schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
    externalId: who.externalId,
    userName: who.userName,
    active: true,
    // Not in the tutorial's minimal example; Entra's default mapping sends it (Example 2) and rule L1 requires it.
    displayName: 'givenName familyName',
    emails: [{ primary: true, type: 'work', value: who.workEmail }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  });

  /** The request of each lifecycle step, as the tests below send it. */
  const lifecycleRequest: Record<EntraUserState, (who: EntraIdentity, id: string) => Promise<Response>> = {
    created: (who) => entra.post(`${SCIM}/Users`, createUserBody(who)),
    disabled: (_, id) => entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Replace', path: 'active', value: 'False' }])),
    enabled: (_, id) => entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Replace', path: 'active', value: 'True' }])),
    'replaced with flag': (_, id) =>
      entra.patch(
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
      ),
    'manager ignored': (_, id) =>
      entra.patch(
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
      ),
    'replaced without flag': (who, id) =>
      entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([
          { op: 'Replace', path: 'displayName', value: 'Pvlo' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
          { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
          { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
          { op: 'Replace', path: 'externalId', value: who.newExternalId },
          { op: 'Replace', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', value: 'Eqpj' },
        ]),
      ),
    'emails and familyName replaced': (who, id) =>
      entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([
          { op: 'Replace', path: 'emails[type eq "work"].value', value: who.newWorkEmail },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ]),
      ),
    renamed: (who, id) => entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Replace', path: 'userName', value: who.newUserName }])),
    'nickName added': (_, id) => entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Add', path: 'nickName', value: 'Babs' }])),
    'disabled by a boolean': (_, id) =>
      entra.patch(`${SCIM}/Users/${id}`, {
        Operations: [{ op: 'Replace', path: 'active', value: false }],
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      }),
    deleted: (_, id) => entra.delete(`${SCIM}/Users/${id}`),
    'provisioned again': (who) =>
      entra.post(`${SCIM}/Users`, {
        schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        externalId: who.newExternalId,
        userName: who.newUserName,
        active: true,
        displayName: 'Pvlo',
        emails: [{ primary: true, type: 'work', value: who.newWorkEmail }],
        meta: { resourceType: 'User' },
        name: { formatted: 'Gtfd updatedFamilyName', familyName: 'updatedFamilyName', givenName: 'Gtfd' },
        roles: [],
      }),
  };
  const expectedStatus = (state: EntraUserState) => (state === 'created' || state === 'provisioned again' ? 201 : 200);

  interface GivenUser extends EntraIdentity {
    readonly id: string;
    /** The user as our last answer that carried one showed it (before a DELETE, as it was deleted). */
    readonly user: Record<string, unknown>;
    /** meta.version of that answer. */
    readonly version: string;
    /** The request id we answered each step with (Entra sends none). */
    readonly requestIds: Partial<Record<EntraUserState, string>>;
  }

  /**
   * A user of this test's own, created as in "Create User", then taken by those of the lifecycle's
   * requests the test names, in the order given, each checked.
   */
  async function givenUser(...then: Exclude<EntraUserState, 'created'>[]): Promise<GivenUser> {
    const who = newIdentity();
    const requestIds: Partial<Record<EntraUserState, string>> = {};
    let user: Record<string, unknown> = {};
    for (const step of ['created' as const, ...then]) {
      const response = await lifecycleRequest[step](who, (user.id as string) ?? '');
      if (step === 'deleted') expectStatus(response, 204);
      else user = expectUserResponse(response, SCIM, expectedStatus(step));
      requestIds[step] = response.headers['x-request-id'];
    }
    return { ...who, id: user.id as string, user, version: (user.meta as Record<string, string>).version, requestIds };
  }

  describe('user lifecycle: match, create, update, disable, enable, delete', () => {
    it('[how] initial cycle: given no such user, when Entra matches on userName, then 200 with an empty ListResponse', async () => {
      const { userName } = newIdentity();
      const response = await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${userName}"`)}`);
      expectListResponse(response, SCIM, 0);
      expect(response.body.Resources).toEqual([]);
    });

    it('[tutorial Example 1] given no such user, when Entra matches on externalId, then 200 with an empty ListResponse', async () => {
      const { externalId } = newIdentity();
      const response = await entra.get(`${SCIM}/Users${filterQuery(`externalId eq "${externalId}"`)}`);
      expectListResponse(response, SCIM, 0);
    });

    it('[tutorial "Create User"] when Entra POSTs the user, then 201 with id, Location, ETag and what was sent', async () => {
      const who = newIdentity();
      const { userName, externalId, workEmail } = who;

      const response = await entra.post(`${SCIM}/Users`, createUserBody(who));

      const user = expectUserResponse(response, SCIM, 201);
      expect(response.headers.location).toBe((user.meta as Record<string, unknown>).location);
      expect(user).toMatchObject({
        externalId,
        userName,
        active: true,
        name: { familyName: 'familyName', givenName: 'givenName' },
        emails: [{ value: workEmail, type: 'work', primary: true }],
      });
    });

    it('[tutorial "Get User"] when Entra GETs the id it cached, then 200 with the same user', async () => {
      const { id, externalId, userName, version } = await givenUser();
      const response = await entra.get(`${SCIM}/Users/${id}`);
      const user = expectUserResponse(response, SCIM);
      expect(user).toMatchObject({ id, externalId, userName, active: true, meta: { version } });
    });

    it('[tutorial "Get User", not found] when Entra GETs an id we never issued, then 404 in the SCIM error schema', async () => {
      expectScimError(await entra.get(`${SCIM}/Users/5171a35d82074e068ce2`), 404);
    });

    it('[tutorial "Get User by query"] when Entra filters on userName, then a ListResponse holding exactly that user', async () => {
      const { id, userName, externalId } = await givenUser();
      const resources = expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${userName}"`)}`), SCIM, 1);
      expect(resources[0]).toMatchObject({ id, userName, externalId, active: true });
    });

    it('[tutorial Example 1, how] when Entra filters on externalId (the matching attribute it may be set to), then that user', async () => {
      const { id, externalId } = await givenUser();
      const resources = expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`externalId eq "${externalId}"`)}`), SCIM, 1);
      expect(resources[0].id).toBe(id);
    });

    it('[tutorial "/Users": uniqueness attributes] when Entra filters on emails[type eq "work"].value, then that user', async () => {
      const { id, workEmail } = await givenUser();
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
      const { id, userName } = await givenUser();

      const response = await entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Replace', path: 'active', value: 'False' }]));

      const user = expectUserResponse(response, SCIM);
      expect(user).toMatchObject({ id, userName, active: false });
      expect(await userRow(id)).toMatchObject({ status: 'Preserved', preservedBy: 'idp', active: false, deletedInIdp: false });
    });

    it('[tutorial: "returned whether or not the user is active"] when Entra GETs the disabled user, then 200 with active false', async () => {
      const { id } = await givenUser('disabled');
      const user = expectUserResponse(await entra.get(`${SCIM}/Users/${id}`), SCIM);
      expect(user).toMatchObject({ id, active: false });
    });

    it('[tutorial: "returned whether or not the user is active"] when Entra matches the disabled user on userName, then it is found', async () => {
      const { id, userName } = await givenUser('disabled');
      const resources = expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${userName}"`)}`), SCIM, 1);
      expect(resources[0]).toMatchObject({ id, active: false });
    });

    it('[quirks, tutorial "restoring the user active=true"] when Entra PATCHes op "Replace" active "True", then 200 and Active again (rule L5)', async () => {
      const { id } = await givenUser('disabled');

      const response = await entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Replace', path: 'active', value: 'True' }]));

      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, active: true });
      expect(await userRow(id)).toMatchObject({ status: 'Active', active: true });
    });

    it('[quirks "Requests to replace multiple attributes", with flag] when Entra sends a path-less replace keyed by "name.givenName" and URNs, then 200 and each is applied', async () => {
      const { id, userName } = await givenUser('disabled', 'enabled');

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
      const { id } = await givenUser('replaced with flag');

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
      const { id, newExternalId } = await givenUser();

      const response = await entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([
          { op: 'Replace', path: 'displayName', value: 'Pvlo' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
          { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
          { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
          { op: 'Replace', path: 'externalId', value: newExternalId },
          { op: 'Replace', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', value: 'Eqpj' },
        ]),
      );

      expect(expectUserResponse(response, SCIM)).toMatchObject({
        id,
        externalId: newExternalId,
        displayName: 'Pvlo',
        name: { givenName: 'Gtfd', familyName: 'Pkqf' },
        emails: [{ value: 'TestBcwqnm@test.microsoft.com', type: 'work' }],
      });
    });

    it('[tutorial "Update User [Multi-valued properties]"] when Entra replaces emails[type eq "work"].value and name.familyName, then 200 with both changed', async () => {
      const { id, userName, newWorkEmail } = await givenUser('replaced without flag');

      const response = await entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([
          { op: 'Replace', path: 'emails[type eq "work"].value', value: newWorkEmail },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ]),
      );

      expect(expectUserResponse(response, SCIM)).toMatchObject({
        id,
        userName,
        name: { familyName: 'updatedFamilyName', givenName: 'Gtfd' },
        emails: [{ value: newWorkEmail, type: 'work', primary: true }],
        active: true,
      });
    });

    it('[tutorial "/Users": uniqueness attributes] when Entra filters on the new work email, then the same user', async () => {
      const { id, newWorkEmail } = await givenUser('emails and familyName replaced');
      const response = await entra.get(`${SCIM}/Users${filterQuery(`emails[type eq "work"].value eq "${newWorkEmail}"`)}`);
      expect(expectListResponse(response, SCIM, 1)[0].id).toBe(id);
    });

    it('[tutorial "Update User [Single-valued properties]"] when Entra replaces userName, then 200, renamed, same id (rule L3)', async () => {
      const { id, newUserName, newWorkEmail } = await givenUser('emails and familyName replaced');

      const response = await entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Replace', path: 'userName', value: newUserName }]));

      expect(expectUserResponse(response, SCIM)).toMatchObject({
        id,
        userName: newUserName,
        emails: [{ value: newWorkEmail, type: 'work' }],
      });
    });

    it('[how: match on userName] when Entra matches on the old and the new userName, then only the new one finds the user', async () => {
      const { id, userName, newUserName } = await givenUser('renamed');
      expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${userName}"`)}`), SCIM, 0);
      const resources = expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${newUserName}"`)}`), SCIM, 1);
      expect(resources[0].id).toBe(id);
    });

    it('[quirks "Requests made to add a single-value string attribute", without flag] when Entra Adds nickName (not kept, rule A3), then 200', async () => {
      const { id, newUserName } = await givenUser('renamed');
      const response = await entra.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'Add', path: 'nickName', value: 'Babs' }]));
      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, userName: newUserName, active: true });
    });

    it('[Microsoft SCIM Validator: PATCH with no operations] when Entra PATCHes an empty Operations array, then 200 and nothing changes', async () => {
      const { id, newUserName, version } = await givenUser('renamed', 'nickName added');
      const before = await userRow(id);

      const response = await entra.patch(`${SCIM}/Users/${id}`, patchOp([]));

      const user = expectUserResponse(response, SCIM);
      expect(user).toMatchObject({ id, userName: newUserName, meta: { version } });
      expect(response.headers.etag).toBe(version);
      expect(await userRow(id)).toEqual(before);
    });

    it('[tutorial "Disable User"; how: soft delete] when Entra PATCHes "Replace" active false (a boolean), then 200 and inactive', async () => {
      const { id } = await givenUser();

      const response = await entra.patch(`${SCIM}/Users/${id}`, {
        Operations: [{ op: 'Replace', path: 'active', value: false }],
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      });

      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, active: false });
    });

    it('[tutorial "Delete User"; how: hard delete 30 days later] when Entra DELETEs the user, then 204 with no body', async () => {
      const { id } = await givenUser('disabled by a boolean');
      const response = await entra.delete(`${SCIM}/Users/${id}`);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
    });

    it('[tutorial "Get User", not found] when Entra GETs the deleted user, then 404 (rule L4)', async () => {
      const { id } = await givenUser('deleted');
      expectScimError(await entra.get(`${SCIM}/Users/${id}`), 404);
    });

    it('[how: match before create] when Entra matches the deleted user on userName or externalId, then zero results, and the admin still has it Preserved (rule L4)', async () => {
      const { id, user } = await givenUser('deleted');
      expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${user.userName}"`)}`), SCIM, 0);
      expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`externalId eq "${user.externalId}"`)}`), SCIM, 0);
      expect(await userRow(id)).toMatchObject({ status: 'Preserved', deletedInIdp: true, userName: user.userName });
    });

    it('[how: no match, so create] when Entra provisions the same userName again, then 201 and the preserved user is Active again, not a duplicate (rule L5)', async () => {
      const { id, user, workEmail } = await givenUser('deleted');
      const userName = user.userName as string;

      const response = await entra.post(`${SCIM}/Users`, {
        schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        externalId: user.externalId,
        userName,
        active: true,
        displayName: 'Pvlo',
        emails: [{ primary: true, type: 'work', value: workEmail }],
        meta: { resourceType: 'User' },
        name: { formatted: 'Gtfd updatedFamilyName', familyName: 'updatedFamilyName', givenName: 'Gtfd' },
        roles: [],
      });

      const again = expectUserResponse(response, SCIM, 201);
      expect(again).toMatchObject({ id, userName, active: true });
      const rows = await t.readModel.getRepository(ScimUserRow).findBy({ tenantId: 'tenant-a', userNameLower: userName.toLowerCase() });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: again.id, status: 'Active', deletedInIdp: false });
    });

    it('[rule S1] then every change Entra made is in the audit trail with its user agent and request id, e.g. who disabled the user', async () => {
      const { id, requestIds } = await givenUser(...LIFECYCLE.filter((step) => step !== 'created'));
      const disableRequestId = requestIds.disabled;

      const audit = await t.readModel.getRepository(AuditEntryRow).find({ where: { userId: id }, order: { streamRevision: 'ASC' } });
      expect(audit.length).toBeGreaterThan(0);
      for (const entry of audit) {
        expect(entry).toMatchObject({ tenantId: 'tenant-a', actorKind: 'scim-token', userAgent: ENTRA_USER_AGENT });
      }
      // Entra sends no X-Request-Id: the one we generated (a UUID) and answered with is the one recorded, on the preservation it made.
      expect(disableRequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(audit.filter((entry) => entry.requestId === disableRequestId).map((entry) => entry.eventType)).toEqual(['UserPreserved']);
    });
  });

  describe('tutorial "Handling provisioning and deprovisioning of users", Examples 1–6', () => {
    /** Joy Young of the tutorial, with a number of her own: "jyoung" becomes "jyoung-<n>". */
    let joys = 0;
    const newJoyYoung = () => {
      const alias = `jyoung-${++joys}`;
      return { externalId: alias, userName: `${alias}@testuser.com` };
    };

    /** Example 2's request body as Entra sends it, byte for byte but for the user's names. */
    const example2Body = (joy: { externalId: string; userName: string }) => `{
   "schemas":
   [
     "urn:ietf:params:scim:schemas:core:2.0:User",
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
   "externalId":"${joy.externalId}",
   "userName":"${joy.userName}",
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

    /** Example 5's request: the manager added as a [{$ref, value}] array. */
    const addManager = (id: string) =>
      entra.patch(
        `${SCIM}/Users/${id}`,
        patchOp([
          {
            op: 'Add',
            path: 'manager',
            value: [{ $ref: 'http://localhost/scim/v2/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee', value: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee' }],
          },
        ]),
      );

    /** Joy Young created as in Example 2 and, with `manager`, given one as in Example 5. */
    async function givenJoyYoung(options: { manager: boolean } = { manager: false }): Promise<{ id: string; externalId: string; userName: string }> {
      const joy = newJoyYoung();
      const id = expectUserResponse(await entra.post(`${SCIM}/Users`, example2Body(joy), 'application/scim+json'), SCIM, 201).id as string;
      if (options.manager) expectUserResponse(await addManager(id), SCIM);
      return { ...joy, id };
    }

    it('Example 1: given no such user, when Entra queries externalId eq "jyoung", then zero results', async () => {
      const { externalId } = newJoyYoung();
      // RFC 7644 §3.4.2.2 requires quotes, and Entra sends them; the next case replays the query as the tutorial prints it.
      expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`externalId eq "${externalId}"`)}`), SCIM, 0);
    });

    it('Example 1 as printed, unquoted (issue 18, item 5): given Joy Young, when Entra queries externalId eq jyoung without quotes, then her', async () => {
      const joy = await givenJoyYoung();
      const resources = expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`externalId eq ${joy.externalId}`)}`), SCIM, 1);
      expect(resources[0]).toMatchObject({ id: joy.id, externalId: joy.externalId });
    });

    it('Example 2: when Entra POSTs the user with null attributes and a misspelt extension URN, then 201', async () => {
      const joy = newJoyYoung();

      const response = await entra.post(`${SCIM}/Users`, example2Body(joy), 'application/scim+json');

      const user = expectUserResponse(response, SCIM, 201);
      // Tutorial, General: values are stored in the format they were sent.
      expect(user).toMatchObject({
        externalId: joy.externalId,
        userName: joy.userName,
        displayName: 'Joy Young',
        name: { familyName: 'Young', givenName: 'Joy' },
        emails: [{ value: 'jyoung@Contoso.com', type: 'work', primary: true }],
        active: true,
      });
    });

    it('Example 3: when Entra queries the current state of the user, then 200', async () => {
      const { id, externalId } = await givenJoyYoung();
      expect(expectUserResponse(await entra.get(`${SCIM}/Users/${id}`), SCIM)).toMatchObject({ id, externalId });
    });

    it('Example 4: when Entra asks whether the manager reference already has a value (id and manager, attributes=id), then 200 with a ListResponse', async () => {
      const { id } = await givenJoyYoung();
      const response = await entra.get(`${SCIM}/Users${filterQuery(`id eq "${id}" and manager eq "00aa00aa-bb11-cc22-dd33-44ee44ee44ee"`, '&attributes=id')}`);
      expectStatus(response, 200);
      expect(response.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
      expect(Number.isInteger(response.body.totalResults)).toBe(true);
    });

    it('Example 5: when Entra Adds the manager as a [{$ref, value}] array, then 200 (manager is not kept, rule A3)', async () => {
      const { id, userName } = await givenJoyYoung();
      const response = await addManager(id);
      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, userName, active: true });
    });

    it('Example 6: when Entra deprovisions the user with DELETE, then 204, and a GET is 404', async () => {
      const { id } = await givenJoyYoung({ manager: true });
      expect((await entra.delete(`${SCIM}/Users/${id}`)).status).toBe(204);
      expectScimError(await entra.get(`${SCIM}/Users/${id}`), 404);
    });
  });
});
