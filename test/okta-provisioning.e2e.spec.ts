import { Response } from 'supertest';
import { AuditEntryRow, ScimUserRow } from '@scim-ledger/read-model';
import {
  CORE_USER_SCHEMA,
  IdpClient,
  OKTA_USER_AGENT,
  expectListResponse,
  expectScimError,
  expectUserResponse,
  filterQuery,
  oktaClient,
  oktaReferencePut,
  patchOp,
} from './support/idp-requests';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, startTestApp, TENANT_B_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

/*
 * Okta provisioning a user, request by request, as its docs show
 * (okta/okta-developer-docs, packages/@okta/vuepress-site/):
 *   [ref]      docs/reference/scim/scim-20/index.md, "SCIM User operations"
 *   [protocol] docs/reference/scim/index.md, the earlier "SCIM Protocol" page: Okta's wire headers
 *              (Accept, Accept-Charset, Content-Type application/scim+json; charset=utf-8,
 *              User-Agent "Okta SCIM Client 1.0.0"), GET /Users?startIndex=1&count=2, the
 *              filter=userName+eq+… form, PUT bodies carrying id, meta and password
 *   [prepare]  docs/guides/scim-provisioning-integration-prepare/main/index.md (the Runscope
 *              SPEC test: at least one user beforehand, randomUsernameCaps, UserIdThatDoesNotExist)
 *   [crud]     standards/SCIM/SCIMFiles/Okta-SCIM-CRUD-Test.json (deactivated and reactivated users
 *              are still GET 200 with active false / true)
 * Okta never DELETEs a user: deactivation is active=false by PATCH (OIN apps) or PUT (AIW apps).
 * The docs' ids are examples; every step uses the id we returned. Each `it` is one request of the
 * flow, made on a user of its own that `givenUser` has brought, by Okta's earlier requests, to the
 * step before it; so each runs alone. Listings count users, so those run on a tenant of their own.
 */

const SCIM = '/scim/v2';
const OPERATOR = 'operator-token-0123456789abcdef';
const PASSWORD = '1mz050nq';

/** The steps of the flow below that bring a user to the state a later step starts from, in order. */
const FLOW = ['created', 'updated', 'deactivated by PUT', 'reactivated', 'deactivated by PATCH'] as const;
type OktaUserState = (typeof FLOW)[number];

describe(`Okta provisioning flow on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let okta: IdpClient;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    okta = oktaClient(t, TENANT_B_TOKEN);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  /** What a GET afterwards must return: the user written (or derived), whatever port the request's URL names. */
  const asRead = (user: Record<string, unknown>) => ({ ...user, meta: { ...(user.meta as object), location: expect.any(String) } });
  const userRow = (id: string) => t.readModel.getRepository(ScimUserRow).findOneByOrFail({ id });

  let users = 0;
  /** A userName no other test uses (addresses are unique across tenants, rule L8). */
  const uniqueUserName = () => `test.user.${++users}@okta.local`;
  /** [ref "Determine if the User already exists"]: the filter as Okta percent-encodes it. */
  const userNameQuery = (userName: string) => `?filter=userName%20eq%20%22${encodeURIComponent(userName)}%22&startIndex=1&count=100`;

  /** [ref "Create the User"]: the profile Okta POSTs on assignment. */
  const oktaProfile = (userName: string) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    password: PASSWORD,
    active: true,
  });

  /**
   * A user of this test's own, taken by Okta's requests of the flow below up to `state`; returns
   * the request id we answered each step with.
   */
  async function givenUser(state: OktaUserState): Promise<{ id: string; userName: string; requestIds: Record<OktaUserState, string> }> {
    const userName = uniqueUserName();
    const requestIds = {} as Record<OktaUserState, string>;
    const steps: Record<OktaUserState, (id: string) => Promise<Response>> = {
      created: () => okta.post(`${SCIM}/Users`, oktaProfile(userName)),
      updated: async (id) => {
        const retrieved = expectUserResponse(await okta.get(`${SCIM}/Users/${id}`), SCIM);
        return okta.put(`${SCIM}/Users/${id}`, {
          ...retrieved,
          name: { ...(retrieved.name as object), givenName: 'Another', middleName: 'Excited' },
          groups: [],
        });
      },
      'deactivated by PUT': async (id) => {
        const current = expectUserResponse(await okta.get(`${SCIM}/Users/${id}`), SCIM);
        return okta.put(`${SCIM}/Users/${id}`, { ...current, active: false, groups: [] });
      },
      reactivated: (id) => okta.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'replace', value: { active: true } }])),
      'deactivated by PATCH': (id) =>
        okta.patch(`${SCIM}/Users/${id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', value: { active: false } }],
        }),
    };
    let id = '';
    for (const step of FLOW.slice(0, FLOW.indexOf(state) + 1)) {
      const response = await steps[step](id);
      id = expectUserResponse(response, SCIM, step === 'created' ? 201 : 200).id as string;
      requestIds[step] = response.headers['x-request-id'];
    }
    return { id, userName, requestIds };
  }

  /** A tenant holding only what the test puts there, with Okta's credential for it. */
  let tenants = 0;
  async function givenOwnTenant(): Promise<{ okta: IdpClient; tenantId: string }> {
    const tenantId = `okta-${++tenants}`;
    const { token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: tenantId, name: `Okta ${tenants}` });
    return { okta: oktaClient(t, token), tenantId };
  }

  /** [prepare]: "create at least one user before running the suite". */
  async function givenThreeExistingUsers(client: IdpClient, tenantId: string): Promise<void> {
    for (const name of ['alice', 'bob', 'carol']) {
      const response = await client.post(`${SCIM}/Users`, {
        schemas: [CORE_USER_SCHEMA],
        userName: `${name}@${tenantId}.okta.local`,
        name: { givenName: name, familyName: 'Existing' },
        emails: [{ primary: true, value: `${name}@${tenantId}.okta.local`, type: 'work' }],
        displayName: `${name} Existing`,
        active: true,
      });
      expectUserResponse(response, SCIM, 201);
    }
  }

  describe('assign, update, deactivate, reactivate', () => {
    it('[prepare: "create at least one user before running the suite"] given three users already in the app', async () => {
      const { okta, tenantId } = await givenOwnTenant();
      await givenThreeExistingUsers(okta, tenantId);
    });

    it('[protocol "Read list of accounts", Test API Credentials] when Okta GETs /Users?startIndex=1&count=2, then a page of 2 with integer counters', async () => {
      const { okta, tenantId } = await givenOwnTenant();
      await givenThreeExistingUsers(okta, tenantId);
      const resources = expectListResponse(await okta.get(`${SCIM}/Users?startIndex=1&count=2`), SCIM, 3);
      expect(resources).toHaveLength(2);
    });

    it('[ref "Retrieve Users"] when Okta imports with startIndex=1&count=100, then every user, and the next page continues in the same order', async () => {
      const { okta, tenantId } = await givenOwnTenant();
      await givenThreeExistingUsers(okta, tenantId);
      const all = expectListResponse(await okta.get(`${SCIM}/Users?startIndex=1&count=100`), SCIM, 3);
      const second = expectListResponse(await okta.get(`${SCIM}/Users?startIndex=2&count=2`), SCIM, 3);
      expect(second.map((u) => u.id)).toEqual(all.slice(1, 3).map((u) => u.id));
    });

    it('[ref "Determine if the User already exists"] given the user is not there, when Okta filters on userName with startIndex=1&count=100, then 200 with an empty ListResponse', async () => {
      const response = await okta.get(`${SCIM}/Users${userNameQuery(uniqueUserName())}`);
      expectListResponse(response, SCIM, 0);
      expect(response.body.Resources).toEqual([]);
    });

    it('[ref "Create the User"] when Okta POSTs the profile with a password and groups, then 201 with an id; the password is neither echoed nor stored (rule L11)', async () => {
      const userName = uniqueUserName();

      const response = await okta.post(`${SCIM}/Users`, oktaProfile(userName));

      const user = expectUserResponse(response, SCIM, 201);
      expect(user).toMatchObject({
        userName,
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: userName, type: 'work' }],
        displayName: 'Test User',
        externalId: '00ujl29u0le5T6Aj10h7',
        active: true,
      });
      expect(response.text).not.toContain(PASSWORD);
      const id = user.id as string;
      const audit = await t.readModel.getRepository(AuditEntryRow).findBy({ userId: id });
      expect(audit.length).toBeGreaterThan(0);
      expect(JSON.stringify(audit)).not.toContain(PASSWORD);
      expect(JSON.stringify(await userRow(id))).not.toContain(PASSWORD);
    });

    it('[ref "Determine if the User already exists"] when Okta looks the user up again, then exactly that user', async () => {
      const { id, userName } = await givenUser('created');
      const response = await okta.get(`${SCIM}/Users${userNameQuery(userName)}`);
      expect(expectListResponse(response, SCIM, 1)[0]).toMatchObject({ id, userName, active: true });
    });

    it('[protocol "Filtering on userName eq"] when the filter comes form-encoded (userName+eq+%22…%22), then the same user', async () => {
      const { id, userName } = await givenUser('created');
      const response = await okta.get(`${SCIM}/Users?filter=userName+eq+%22${encodeURIComponent(userName)}%22&startIndex=1&count=100`);
      expect(expectListResponse(response, SCIM, 1)[0].id).toBe(id);
    });

    it('[prepare: randomUsernameCaps] when Okta filters on the userName in capitals, then the same user (userName is case-insensitive, RFC 7643 §4.1.1)', async () => {
      const { id, userName } = await givenUser('created');
      const response = await okta.get(`${SCIM}/Users${filterQuery(`userName eq "${userName.toUpperCase()}"`, '&startIndex=1&count=100')}`);
      expect(expectListResponse(response, SCIM, 1)[0].id).toBe(id);
    });

    it('[ref "Create the User": already exists] when Okta POSTs the same userName again, then 409 in the SCIM error schema and nothing new', async () => {
      const { userName } = await givenUser('created');
      const before = await t.readModel.getRepository(ScimUserRow).countBy({ tenantId: 'tenant-b' });
      const response = await okta.post(`${SCIM}/Users`, {
        schemas: [CORE_USER_SCHEMA],
        userName,
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: userName, type: 'work' }],
        displayName: 'Test User',
        groups: [],
        password: PASSWORD,
        active: true,
      });
      expectScimError(response, 409);
      expect(await t.readModel.getRepository(ScimUserRow).countBy({ tenantId: 'tenant-b' })).toBe(before);
    });

    it('[prepare: UserIdThatDoesNotExist] when Okta GETs an id we never issued, then 404 in the SCIM error schema', async () => {
      expectScimError(await okta.get(`${SCIM}/Users/010101001010101011001010101011`), 404);
    });

    it('[ref "Update a specific User (PUT)": Retrieve the User] when Okta GETs the user before updating, then 200', async () => {
      const { id, userName } = await givenUser('created');
      const retrieved = expectUserResponse(await okta.get(`${SCIM}/Users/${id}`), SCIM);
      expect(retrieved).toMatchObject({ id, userName, name: { givenName: 'Test', familyName: 'User' }, active: true });
    });

    it('[ref "Update the User"] when Okta PUTs the retrieved body with the changed name, then 200 with the updated user', async () => {
      const { id, userName } = await givenUser('created');
      const retrieved = expectUserResponse(await okta.get(`${SCIM}/Users/${id}`), SCIM);

      // [ref] Okta "modifies the attributes that were changed and runs a PUT method request with the new body".
      const response = await okta.put(`${SCIM}/Users/${id}`, {
        ...retrieved,
        name: { ...(retrieved.name as object), givenName: 'Another', middleName: 'Excited' },
        groups: [],
      });

      const user = expectUserResponse(response, SCIM);
      expect(user).toMatchObject({ id, userName, name: { givenName: 'Another', familyName: 'User' }, active: true });
      expect((user.meta as Record<string, unknown>).version).not.toBe((retrieved.meta as Record<string, unknown>).version);
    });

    it('[ref "Update the User"] when Okta PUTs its documented body, which has no displayName, then 200 with the display name derived from the name (rule L1), and a GET returns it', async () => {
      const { id, userName } = await givenUser('created');

      // [ref] the PUT exactly as the SCIM 2.0 reference shows it: name with a middleName, no displayName.
      const response = await okta.put(`${SCIM}/Users/${id}`, oktaReferencePut(id, userName));

      const user = expectUserResponse(response, SCIM);
      expect(user).toMatchObject({ id, userName, displayName: 'Another User', name: { givenName: 'Another', familyName: 'User' }, active: true });
      expect(expectUserResponse(await okta.get(`${SCIM}/Users/${id}`), SCIM)).toEqual(asRead(user));
    });

    it('[ref "Create the User", RFC 7643 §4.1] when Okta POSTs a user with userName and name but no displayName, then 201 with the derived display name, which a GET and a filter return', async () => {
      const userName = uniqueUserName();
      const { displayName: _notSent, ...profile } = oktaProfile(userName);

      const created = expectUserResponse(await okta.post(`${SCIM}/Users`, profile), SCIM, 201);

      expect(created).toMatchObject({ userName, displayName: 'Test User', name: { givenName: 'Test', familyName: 'User' } });
      expect(expectUserResponse(await okta.get(`${SCIM}/Users/${created.id}`), SCIM)).toEqual(asRead(created));
      const found = await okta.get(`${SCIM}/Users${filterQuery(`displayName eq "Test User" and userName eq "${userName}"`)}`);
      expect(expectListResponse(found, SCIM, 1)[0].id).toBe(created.id);
    });

    it('[protocol "Update account details"] when Okta PUTs a body carrying id, a foreign meta and a password, then 200, our meta stands and no password is kept', async () => {
      const { id, userName } = await givenUser('updated');

      const response = await okta.put(`${SCIM}/Users/${id}`, {
        id,
        externalId: '00ujl29u0le5T6Aj10h7',
        meta: { resourceType: 'User', created: '04-12-2018 00:00:00', lastModified: '04-12-2018 00:00:00', version: 'v1.0' },
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
        displayName: 'Test User',
        locale: 'en_US',
        active: true,
        password: 'TkdFNVdIVkxhM2c9',
        emails: [{ value: userName, type: 'work', primary: true }],
        name: { familyName: 'User', givenName: 'Another' },
        groups: [],
      });

      const user = expectUserResponse(response, SCIM);
      expect(user.meta).not.toMatchObject({ version: 'v1.0' });
      expect(user.meta).not.toMatchObject({ created: '04-12-2018 00:00:00' });
      expect(response.text).not.toContain('TkdFNVdIVkxhM2c9');
      const audit = await t.readModel.getRepository(AuditEntryRow).findBy({ userId: id });
      expect(JSON.stringify(audit)).not.toContain('TkdFNVdIVkxhM2c9');
    });

    it('[ref "Delete Users": AIW apps deactivate by PUT] when Okta PUTs the retrieved body with active false, then 200, inactive, and the user is kept Preserved (rule L4)', async () => {
      const { id } = await givenUser('updated');
      const current = expectUserResponse(await okta.get(`${SCIM}/Users/${id}`), SCIM);

      const response = await okta.put(`${SCIM}/Users/${id}`, { ...current, active: false, groups: [] });

      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, active: false, name: { givenName: 'Another' } });
      expect(await userRow(id)).toMatchObject({ status: 'Preserved', preservedBy: 'idp', active: false, deletedInIdp: false });
    });

    it('[crud "Verify if user is deactivated"] when Okta GETs the deactivated user, then 200 with active false (the user stays)', async () => {
      const { id } = await givenUser('deactivated by PUT');
      expect(expectUserResponse(await okta.get(`${SCIM}/Users/${id}`), SCIM)).toMatchObject({ id, active: false });
    });

    it('[ref "Determine if the User already exists"] when Okta looks the deactivated user up, then it is still found, so reassignment reactivates it', async () => {
      const { id, userName } = await givenUser('deactivated by PUT');
      const response = await okta.get(`${SCIM}/Users${userNameQuery(userName)}`);
      expect(expectListResponse(response, SCIM, 1)[0]).toMatchObject({ id, active: false });
    });

    it('[ref "Update a specific User (PATCH)": activating a user] when Okta PATCHes replace value {active: true}, then 200 and Active again (rule L5)', async () => {
      const { id } = await givenUser('deactivated by PUT');

      const response = await okta.patch(`${SCIM}/Users/${id}`, patchOp([{ op: 'replace', value: { active: true } }]));

      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, active: true, name: { givenName: 'Another', familyName: 'User' } });
      expect(await userRow(id)).toMatchObject({ status: 'Active', active: true });
    });

    it('[crud "Verify if user is reactivated"] when Okta GETs the reactivated user, then 200 with active true', async () => {
      const { id } = await givenUser('reactivated');
      expect(expectUserResponse(await okta.get(`${SCIM}/Users/${id}`), SCIM)).toMatchObject({ id, active: true });
    });

    it('[ref "Update a specific User (PATCH)": deactivating a user] when Okta PATCHes {"op":"replace","value":{"active":false}}, then 200, inactive, kept Preserved', async () => {
      const { id, userName } = await givenUser('reactivated');

      const response = await okta.patch(`${SCIM}/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: false } }],
      });

      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, userName, active: false });
      expect(await userRow(id)).toMatchObject({ status: 'Preserved', preservedBy: 'idp', active: false });
    });

    it('[crud "Verify if user is deactivated"] when Okta GETs the user after the PATCH, then 200 with active false', async () => {
      const { id } = await givenUser('deactivated by PATCH');
      expect(expectUserResponse(await okta.get(`${SCIM}/Users/${id}`), SCIM)).toMatchObject({ id, active: false });
    });

    it('[rule S1] then the audit trail says Okta deactivated the user: its user agent and the request id we answered with', async () => {
      const { id, requestIds } = await givenUser('deactivated by PATCH');
      const deactivateRequestId = requestIds['deactivated by PATCH'];

      const audit = await t.readModel.getRepository(AuditEntryRow).find({ where: { userId: id }, order: { streamRevision: 'ASC' } });
      // One entry per change of the flow, each Okta's.
      // The update renames the user and gives it a middle name (kept since issue 18, rule A1).
      expect(audit.map((entry) => entry.eventType)).toEqual([
        'UserCreated',
        'UserRenamed',
        'UserAttributesChanged',
        'UserPreserved',
        'UserReactivated',
        'UserPreserved',
      ]);
      for (const entry of audit) expect(entry).toMatchObject({ tenantId: 'tenant-b', actorKind: 'scim-token', userAgent: OKTA_USER_AGENT });
      expect(deactivateRequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(audit.filter((entry) => entry.requestId === deactivateRequestId).map((entry) => entry.eventType)).toEqual(['UserPreserved']);
    });
  });

  describe('request content types: application/scim+json (RFC 7644 §8.1) and application/json', () => {
    const contentTypes = [
      'application/scim+json',
      'application/scim+json; charset=utf-8',
      'application/json',
      // [protocol] Okta's SCIM 1.1 client and Entra's tutorial samples say application/json.
      'application/json; charset=utf-8',
    ];

    it.each(contentTypes)('when Okta creates, replaces and patches a user with Content-Type %s, then 201, 200, 200', async (contentType) => {
      const userName = `ct.${contentType.replace(/\W+/g, '-')}@okta.local`;
      const profile = {
        schemas: [CORE_USER_SCHEMA],
        userName,
        name: { givenName: 'Content', familyName: 'Type' },
        emails: [{ primary: true, value: userName, type: 'work' }],
        displayName: 'Content Type',
        active: true,
      };

      const created = expectUserResponse(await okta.post(`${SCIM}/Users`, profile, contentType), SCIM, 201);
      const replaced = await okta.put(`${SCIM}/Users/${created.id}`, { ...profile, displayName: 'Replaced' }, contentType);
      const patched = await okta.patch(`${SCIM}/Users/${created.id}`, patchOp([{ op: 'replace', value: { active: false } }]), contentType);

      expect(expectUserResponse(replaced, SCIM)).toMatchObject({ displayName: 'Replaced' });
      expect(expectUserResponse(patched, SCIM)).toMatchObject({ displayName: 'Replaced', active: false });
    });
  });
});
