import { randomUUID } from 'node:crypto';
import { ScimUserRow } from '@scim-ledger/read-model';
import {
  CORE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  IdpClient,
  PATCH_OP_SCHEMA,
  entraClient,
  expectListResponse,
  expectScimError,
  expectStatus,
  expectUserResponse,
  filterQuery,
  oktaReferencePut,
  oktaClient,
} from './support/idp-requests';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, startTestApp, TENANT_A_TOKEN, TENANT_B_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

/*
 * Every User request the IdPs' own docs print, replayed one by one, each followed by the GET an IdP
 * makes to read back what it wrote. What must come back is what was written, whole (rule A1: the core
 * User of RFC 7643 §4.1 and the enterprise extension of §4.3, multi-valued attributes with every value),
 * or what the rules derive (displayName, rule L1), never the password (rule L11).
 *   [tutorial] MicrosoftDocs/entra-docs, docs/identity/app-provisioning/use-scim-to-provision-users-and-groups.md:
 *              "User Operations" (Create User ... Delete User) and "Handling provisioning and deprovisioning
 *              of users" (Example 2, the create with nulls; Example 5, the manager)
 *   [quirks]   the same folder, application-provisioning-config-problem-scim-compatibility.md: the User
 *              requests sent without and with the aadOptscim062020 flag
 *   [okta]     okta/okta-developer-docs, packages/@okta/vuepress-site/docs/reference/scim/scim-20/index.md,
 *              "SCIM User operations"
 * Bodies are the docs' own; only what must be unique per test differs (userName, externalId, and email
 * addresses, which rule L8 makes unique), keeping the docs' shape (GUIDs where they show GUIDs). Each test
 * makes the user it needs with the IdP's earlier requests, so each runs alone.
 */

const SCIM = '/scim/v2';
const OPERATOR = 'operator-token-0123456789abcdef';
const ENTERPRISE_MANAGER_ID = '00aa00aa-bb11-cc22-dd33-44ee44ee44ee';

type ScimObject = Record<string, unknown>;

// ---------------------------------------------------------------------------
// What an IdP reads back, compared with what it wrote.

/** Set by the service provider, never by what the IdP writes (RFC 7643 §3.1); `schemas` is checked on its own. */
const SERVER_OWNED = new Set(['id', 'meta', 'schemas']);

/** RFC 7643 §2.5: null and an empty array both mean "unassigned". */
const isUnassigned = (value: unknown) => value === undefined || value === null || (Array.isArray(value) && value.length === 0);
const isComplex = (value: unknown): value is ScimObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const shown = (value: unknown) => JSON.stringify(value);

/**
 * Every difference between the user an IdP expects to read back and the one read, each named by its
 * attribute path: attribute names compared in any case (RFC 7643 §2.1), values exactly (the tutorial:
 * "stored in the same format they were sent"), multi-valued attributes as sets, every value whole.
 */
function readBackDifferences(expected: ScimObject, read: ScimObject): string[] {
  const differences = complexDifferences('', expected, read);
  // RFC 7643 §3: a resource lists the schema URI of every extension it carries.
  const readSchemas = (Array.isArray(read.schemas) ? read.schemas : []).map((urn) => String(urn).toLowerCase());
  for (const [name, value] of Object.entries(expected)) {
    if (name.toLowerCase().startsWith('urn:') && !isUnassigned(value) && !readSchemas.includes(name.toLowerCase())) {
      differences.push(`schemas: lacks ${name}, whose attributes were written (read ${shown(read.schemas)})`);
    }
  }
  return differences;
}

/** A sub-attribute's path is `name.givenName`, or `urn:…:User:employeeNumber` in an extension (RFC 7644 §3.10): `separator`. */
function complexDifferences(path: string, expected: ScimObject, read: ScimObject, separator = '.'): string[] {
  const topLevel = path === '';
  const readByName = new Map(Object.entries(read).map(([name, value]) => [name.toLowerCase(), value]));
  const pathOf = (name: string) => (topLevel ? name : `${path}${separator}${name}`);
  const differences: string[] = [];
  for (const [name, value] of Object.entries(expected)) {
    if (topLevel && SERVER_OWNED.has(name.toLowerCase())) continue;
    const inside = topLevel && name.toLowerCase().startsWith('urn:') ? ':' : '.';
    differences.push(...attributeDifferences(pathOf(name), value, readByName.get(name.toLowerCase()), inside));
    readByName.delete(name.toLowerCase());
  }
  for (const [name, value] of readByName) {
    if (topLevel && SERVER_OWNED.has(name)) continue;
    if (!isUnassigned(value)) differences.push(`${pathOf(name)}: read ${shown(value)}, never written`);
  }
  return differences;
}

function attributeDifferences(path: string, expected: unknown, read: unknown, separator = '.'): string[] {
  if (isUnassigned(expected)) return isUnassigned(read) ? [] : [`${path}: read ${shown(read)}, never written`];
  if (isUnassigned(read)) return [`${path}: wrote ${shown(expected)}, read nothing`];
  if (Array.isArray(expected)) {
    return Array.isArray(read) ? multiValuedDifferences(path, expected, read) : [`${path}: wrote ${shown(expected)}, read ${shown(read)}`];
  }
  if (isComplex(expected))
    return isComplex(read) ? complexDifferences(path, expected, read, separator) : [`${path}: wrote ${shown(expected)}, read ${shown(read)}`];
  return Object.is(expected, read) ? [] : [`${path}: wrote ${shown(expected)}, read ${shown(read)}`];
}

/** Each value written must be read back whole; one that is not is named by its closest value read, one read and never written by itself. */
function multiValuedDifferences(path: string, expected: unknown[], read: unknown[]): string[] {
  const unmatched = [...read];
  const differences: string[] = [];
  const missed: unknown[] = [];
  for (const value of expected) {
    const match = unmatched.findIndex((candidate) => attributeDifferences(path, value, candidate).length === 0);
    if (match >= 0) unmatched.splice(match, 1);
    else missed.push(value);
  }
  for (const value of missed) {
    const valuePath = isComplex(value) && typeof value.type === 'string' ? `${path}[type eq "${value.type}"]` : `${path}[${shown(value)}]`;
    const closest = unmatched
      .map((candidate, index) => ({ index, differences: attributeDifferences(valuePath, value, candidate) }))
      .sort((a, b) => a.differences.length - b.differences.length)[0];
    if (closest && isComplex(value) && isComplex(unmatched[closest.index])) {
      differences.push(...closest.differences);
      unmatched.splice(closest.index, 1);
    } else differences.push(`${path}: wrote ${shown(value)}, not among the values read ${shown(read)}`);
  }
  for (const value of unmatched) differences.push(`${path}: read ${shown(value)}, never written`);
  return differences;
}

/** The user read must be the one expected; the failure lists every difference. */
function expectReadBack(read: ScimObject, expected: ScimObject): void {
  expect(readBackDifferences(expected, read)).toEqual([]);
}

/**
 * What the IdP expects to read back after writing `body` whole (POST, PUT): the attributes it sent,
 * without what it cannot set (id, meta) or never gets back (password, rule L11), with `derived` on top.
 */
function readBackOf(body: ScimObject, derived: ScimObject = {}): ScimObject {
  const readable = Object.fromEntries(Object.entries(body).filter(([name]) => !['schemas', 'id', 'meta', 'password'].includes(name.toLowerCase())));
  return { ...readable, ...derived };
}

/** The comparison itself, on bodies alone: a helper that missed a difference would let every test below pass on a lossy server. */
describe('comparing what an IdP wrote with what it reads back', () => {
  const written: ScimObject = {
    userName: 'ada@example.com',
    name: { givenName: 'Ada', middleName: 'Augusta', familyName: 'King' },
    emails: [
      { value: 'ada@example.com', type: 'work', primary: true },
      { value: 'ada@home.example', type: 'home' },
    ],
    phoneNumbers: [{ value: '+44 20 7946 0000', type: 'mobile' }],
    addresses: [{ type: 'work', locality: 'London', country: 'GB' }],
    roles: [],
    [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '1815', manager: { value: 'boss-id' } },
  };

  it('given the same user read with names in other cases and values in another order, then no difference (RFC 7643 §2.1)', () => {
    const read = {
      schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA.toLowerCase()],
      id: 'x',
      meta: { resourceType: 'User' },
      USERNAME: 'ada@example.com',
      Name: { givenname: 'Ada', MiddleName: 'Augusta', familyName: 'King' },
      emails: [
        { value: 'ada@home.example', type: 'home' },
        { Value: 'ada@example.com', Type: 'work', Primary: true },
      ],
      phonenumbers: [{ value: '+44 20 7946 0000', type: 'mobile' }],
      addresses: [{ country: 'GB', locality: 'London', type: 'work' }],
      groups: [],
      [ENTERPRISE_USER_SCHEMA.toUpperCase()]: { EMPLOYEENUMBER: '1815', manager: { value: 'boss-id' } },
    };
    expect(readBackDifferences(written, read)).toEqual([]);
  });

  it('given a user read back lossily, then every difference is named by its path', () => {
    const read = {
      schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      userName: 'ada@example.com',
      name: { givenName: 'Ada', familyName: 'King', formatted: 'Ada King' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      addresses: [{ type: 'work', locality: 'london', country: 'GB' }],
      password: 'secret',
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: 1815, manager: { value: 'other-id' } },
    };
    expect(readBackDifferences(written, read)).toEqual([
      'name.middleName: wrote "Augusta", read nothing',
      'name.formatted: read "Ada King", never written',
      'emails: wrote {"value":"ada@home.example","type":"home"}, not among the values read [{"value":"ada@example.com","type":"work","primary":true}]',
      'phoneNumbers: wrote [{"value":"+44 20 7946 0000","type":"mobile"}], read nothing',
      'addresses[type eq "work"].locality: wrote "London", read "london"',
      `${ENTERPRISE_USER_SCHEMA}:employeeNumber: wrote "1815", read 1815`,
      `${ENTERPRISE_USER_SCHEMA}:manager.value: wrote "boss-id", read "other-id"`,
      'password: read "secret", never written',
    ]);
  });

  it('given no extension URN among the schemas read, then that is named too (RFC 7643 §3)', () => {
    const read = { ...written, schemas: [CORE_USER_SCHEMA] };
    expect(readBackDifferences(written, read)).toEqual([
      `schemas: lacks ${ENTERPRISE_USER_SCHEMA}, whose attributes were written (read ["${CORE_USER_SCHEMA}"])`,
    ]);
  });
});

describe(`Request samples of the Entra ID and Okta docs, read back, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let entra: IdpClient;
  let okta: IdpClient;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    entra = entraClient(t, TENANT_A_TOKEN);
    okta = oktaClient(t, TENANT_B_TOKEN);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  const userRow = (id: string) => t.readModel.getRepository(ScimUserRow).findOneByOrFail({ id });

  /** The user as the IdP GETs it afterwards: 200 and a SCIM User. */
  async function readBack(client: IdpClient, id: string): Promise<ScimObject> {
    return expectUserResponse(await client.get(`${SCIM}/Users/${id}`), SCIM);
  }

  describe('Microsoft Entra ID', () => {
    /** [tutorial "Create User"] the request, with a userName, externalId and email of its own (GUIDs, as there). */
    const createUserBody = (): ScimObject => ({
      schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId: randomUUID(),
      userName: `Test_User_${randomUUID()}`,
      active: true,
      emails: [{ primary: true, type: 'work', value: `Test_User_${randomUUID()}@testuser.com` }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    /** The create sends no displayName: rule L1 derives it from givenName and familyName. */
    const DERIVED_FROM_CREATE = { displayName: 'givenName familyName' };

    interface CreatedUser {
      readonly id: string;
      /** What Entra expects to read back right after the create. */
      readonly written: ScimObject;
    }

    /** A user of the test's own, made by the tutorial's "Create User" request. */
    async function givenCreatedUser(): Promise<CreatedUser> {
      const body = createUserBody();
      const created = expectUserResponse(await entra.post(`${SCIM}/Users`, body), SCIM, 201);
      return { id: created.id as string, written: readBackOf(body, DERIVED_FROM_CREATE) };
    }

    const patch = (id: string, body: ScimObject) => entra.patch(`${SCIM}/Users/${id}`, body);
    /** The user written, with its work email replaced (the only email the tutorial's user has). */
    const withWorkEmail = (written: ScimObject, value: string) => ({
      ...written,
      emails: (written.emails as ScimObject[]).map((email) => (email.type === 'work' ? { ...email, value } : email)),
    });

    describe('[tutorial] User Operations', () => {
      it('Create User: when Entra POSTs the user, then 201, and a GET returns every attribute sent, displayName derived from name (rule L1)', async () => {
        const body = createUserBody();

        const response = await entra.post(`${SCIM}/Users`, body);

        const created = expectUserResponse(response, SCIM, 201);
        expect(response.headers.location).toBe((created.meta as ScimObject).location);
        const read = await readBack(entra, created.id as string);
        expect(read).toMatchObject({ userName: body.userName, externalId: body.externalId, active: true, displayName: 'givenName familyName' });
        expectReadBack(read, readBackOf(body, DERIVED_FROM_CREATE));
      });

      it('Get User: given a created user, when Entra GETs its id, then 200 with exactly what was written', async () => {
        const { id, written } = await givenCreatedUser();

        const response = await entra.get(`${SCIM}/Users/${id}`);

        const read = expectUserResponse(response, SCIM);
        expect(read).toMatchObject({ id, userName: written.userName, externalId: written.externalId });
        expectReadBack(read, written);
      });

      it('Get User, not found: when Entra GETs an id never issued (5171a35d82074e068ce2), then 404 in the SCIM error schema', async () => {
        expectScimError(await entra.get(`${SCIM}/Users/5171a35d82074e068ce2`), 404);
      });

      it('Get User by query: given a created user, when Entra filters userName eq its userName, then a ListResponse of that user, as written', async () => {
        const { id, written } = await givenCreatedUser();

        const response = await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${written.userName as string}"`)}`);

        const [found] = expectListResponse(response, SCIM, 1);
        expect(found).toMatchObject({ id, userName: written.userName });
        expectReadBack(found, written);
      });

      it('Get User by query - Zero results: when Entra filters userName eq "non-existent user", then 200 with an empty ListResponse', async () => {
        const response = await entra.get(`${SCIM}/Users${filterQuery('userName eq "non-existent user"')}`);

        expectListResponse(response, SCIM, 0);
        expect(response.body).toMatchObject({ totalResults: 0, Resources: [], startIndex: 1 });
      });

      it('Update User [Multi-valued properties]: when Entra replaces emails[type eq "work"].value and name.familyName, then 200, and a GET returns both changed and the rest as written', async () => {
        const { id, written } = await givenCreatedUser();
        const updatedEmail = `updatedEmail-${randomUUID()}@microsoft.com`;

        const response = await patch(id, {
          schemas: [PATCH_OP_SCHEMA],
          Operations: [
            { op: 'Replace', path: 'emails[type eq "work"].value', value: updatedEmail },
            { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
          ],
        });

        expectUserResponse(response, SCIM);
        const read = await readBack(entra, id);
        expect(read).toMatchObject({ name: { familyName: 'updatedFamilyName' }, emails: [expect.objectContaining({ value: updatedEmail, type: 'work' })] });
        // name.formatted stays as stored (the PATCH did not touch it); the display name, derived from the name on the create
        // (rule L1), follows the name (the attack on issue 18, F7), as the tutorial's response shows its formatted name doing.
        expectReadBack(read, {
          ...withWorkEmail(written, updatedEmail),
          name: { ...(written.name as ScimObject), familyName: 'updatedFamilyName' },
          displayName: 'givenName updatedFamilyName',
        });
      });

      it('Update User [Single-valued properties]: when Entra replaces userName, then 200, same id, and a GET returns the new userName and the rest as written (rule L3)', async () => {
        const { id, written } = await givenCreatedUser();
        const newUserName = `${randomUUID()}@testuser.com`;

        const response = await patch(id, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'Replace', path: 'userName', value: newUserName }] });

        expect(expectUserResponse(response, SCIM)).toMatchObject({ id, userName: newUserName });
        const read = await readBack(entra, id);
        expect(read).toMatchObject({ id, userName: newUserName });
        expectReadBack(read, { ...written, userName: newUserName });
      });

      it('Disable User: when Entra PATCHes "Replace" active false, then 200, Preserved by the IdP (rule L4), and a GET returns active false and the rest as written', async () => {
        const { id, written } = await givenCreatedUser();

        const response = await patch(id, { Operations: [{ op: 'Replace', path: 'active', value: false }], schemas: [PATCH_OP_SCHEMA] });

        expect(expectUserResponse(response, SCIM)).toMatchObject({ id, active: false });
        expect(await userRow(id)).toMatchObject({ status: 'Preserved', preservedBy: 'idp', deletedInIdp: false });
        const read = await readBack(entra, id);
        expect(read.active).toBe(false);
        expectReadBack(read, { ...written, active: false });
      });

      it('Delete User: when Entra DELETEs the user, then 204 with no body, a GET is 404, a userName query finds nothing, and the admin keeps it Preserved (rule L4)', async () => {
        const { id, written } = await givenCreatedUser();

        const response = await entra.delete(`${SCIM}/Users/${id}`);

        expectStatus(response, 204);
        expect(response.text).toBe('');
        expectScimError(await entra.get(`${SCIM}/Users/${id}`), 404);
        expectListResponse(await entra.get(`${SCIM}/Users${filterQuery(`userName eq "${written.userName as string}"`)}`), SCIM, 0);
        expect(await userRow(id)).toMatchObject({ status: 'Preserved', deletedInIdp: true, userName: written.userName });
      });
    });

    describe('[tutorial] Handling provisioning and deprovisioning of users', () => {
      /** Example 2's request, with an externalId, userName and email address of its own (jyoung-<uuid>). */
      const example2Body = (): ScimObject => {
        const alias = `jyoung-${randomUUID()}`;
        return {
          schemas: [CORE_USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
          externalId: alias,
          userName: `${alias}@testuser.com`,
          active: true,
          addresses: null,
          displayName: 'Joy Young',
          emails: [{ type: 'work', value: `${alias}@Contoso.com`, primary: true }],
          meta: { resourceType: 'User' },
          name: { familyName: 'Young', givenName: 'Joy' },
          phoneNumbers: null,
          preferredLanguage: null,
          title: null,
          department: null,
          manager: null,
        };
      };

      it('Example 2: when Entra POSTs the user with null attributes and a misspelt extension URN, then 201, and a GET returns what was sent, the nulls unassigned (RFC 7643 §2.5)', async () => {
        const body = example2Body();

        const response = await entra.post(`${SCIM}/Users`, body, 'application/scim+json');

        const created = expectUserResponse(response, SCIM, 201);
        const read = await readBack(entra, created.id as string);
        expect(read).toMatchObject({
          userName: body.userName,
          displayName: 'Joy Young',
          emails: [expect.objectContaining({ value: (body.emails as ScimObject[])[0].value })],
        });
        // department and manager outside the enterprise extension are not core attributes: not returned (rule A3).
        expectReadBack(read, readBackOf(body));
      });

      it('Example 5: given Joy Young, when Entra Adds "manager" as [{$ref, value}], then 200, and a GET returns the enterprise manager (RFC 7643 §4.3) and the rest as written', async () => {
        const body = example2Body();
        const id = expectUserResponse(await entra.post(`${SCIM}/Users`, body, 'application/scim+json'), SCIM, 201).id as string;
        const managerRef = `http://.../scim/Users/${ENTERPRISE_MANAGER_ID}`;

        const response = await patch(id, {
          schemas: [PATCH_OP_SCHEMA],
          Operations: [{ op: 'Add', path: 'manager', value: [{ $ref: managerRef, value: ENTERPRISE_MANAGER_ID }] }],
        });

        expectUserResponse(response, SCIM);
        const read = await readBack(entra, id);
        expectReadBack(read, { ...readBackOf(body), [ENTERPRISE_USER_SCHEMA]: { manager: { value: ENTERPRISE_MANAGER_ID, $ref: managerRef } } });
      });
    });

    describe('[quirks] PATCH requests without and with the aadOptscim062020 flag', () => {
      it('Disable user, without flag: when Entra PATCHes "Replace" active "False" (a string), then 200, Preserved (rule L4), and a GET returns active false, a boolean, and the rest as written', async () => {
        const { id, written } = await givenCreatedUser();

        const response = await patch(id, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });

        expect(expectUserResponse(response, SCIM)).toMatchObject({ id, active: false });
        expect(await userRow(id)).toMatchObject({ status: 'Preserved', preservedBy: 'idp' });
        const read = await readBack(entra, id);
        expect(read.active).toBe(false);
        expectReadBack(read, { ...written, active: false });
      });

      it('Disable user, with flag: when Entra PATCHes "replace" active false, then 200, Preserved (rule L4), and a GET returns active false and the rest as written', async () => {
        const { id, written } = await givenCreatedUser();

        const response = await patch(id, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] });

        expect(expectUserResponse(response, SCIM)).toMatchObject({ id, active: false });
        expect(await userRow(id)).toMatchObject({ status: 'Preserved', preservedBy: 'idp' });
        const read = await readBack(entra, id);
        expect(read.active).toBe(false);
        expectReadBack(read, { ...written, active: false });
      });

      it.each([
        ['without flag', 'Add'],
        ['with flag', 'add'],
      ])(
        'Add a single-value string attribute, %s: when Entra PATCHes op "%s" nickName "Babs", then 200, and a GET returns nickName "Babs" and the rest as written',
        async (_flag, op) => {
          const { id, written } = await givenCreatedUser();

          const response = await patch(id, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op, path: 'nickName', value: 'Babs' }] });

          expectUserResponse(response, SCIM);
          expectReadBack(await readBack(entra, id), { ...written, nickName: 'Babs' });
        },
      );

      it('Replace multiple attributes, without flag: when Entra sends one "Replace" per path, the enterprise employeeNumber by its URN path, then 200, and a GET returns each', async () => {
        const { id, written } = await givenCreatedUser();
        const email = `TestBcwqnm-${randomUUID()}@test.microsoft.com`;
        const externalId = `Eqpj-${randomUUID()}`;

        const response = await patch(id, {
          schemas: [PATCH_OP_SCHEMA],
          Operations: [
            { op: 'Replace', path: 'displayName', value: 'Pvlo' },
            { op: 'Replace', path: 'emails[type eq "work"].value', value: email },
            { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
            { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
            { op: 'Replace', path: 'externalId', value: externalId },
            { op: 'Replace', path: `${ENTERPRISE_USER_SCHEMA}:employeeNumber`, value: 'Eqpj' },
          ],
        });

        expectUserResponse(response, SCIM);
        const read = await readBack(entra, id);
        expect(read).toMatchObject({ displayName: 'Pvlo', externalId, name: { givenName: 'Gtfd', familyName: 'Pkqf' } });
        expectReadBack(read, {
          ...withWorkEmail(written, email),
          displayName: 'Pvlo',
          name: { ...(written.name as ScimObject), givenName: 'Gtfd', familyName: 'Pkqf' },
          externalId,
          [ENTERPRISE_USER_SCHEMA]: { employeeNumber: 'Eqpj' },
        });
      });

      it('Replace multiple attributes, with flag: when Entra sends a path-less "replace" keyed by "name.givenName" and the employeeNumber URN, then 200, and a GET returns each', async () => {
        const { id, written } = await givenCreatedUser();
        const email = `TestMhvaes-${randomUUID()}@test.microsoft.com`;

        const response = await patch(id, {
          schemas: [PATCH_OP_SCHEMA],
          Operations: [
            { op: 'replace', path: 'emails[type eq "work"].value', value: email },
            {
              op: 'replace',
              value: {
                displayName: 'Bjfe',
                'name.givenName': 'Kkom',
                'name.familyName': 'Unua',
                [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: 'Aklq',
              },
            },
          ],
        });

        expectUserResponse(response, SCIM);
        const read = await readBack(entra, id);
        expect(read).toMatchObject({ displayName: 'Bjfe', name: { givenName: 'Kkom', familyName: 'Unua' } });
        expectReadBack(read, {
          ...withWorkEmail(written, email),
          displayName: 'Bjfe',
          name: { ...(written.name as ScimObject), givenName: 'Kkom', familyName: 'Unua' },
          [ENTERPRISE_USER_SCHEMA]: { employeeNumber: 'Aklq' },
        });
      });
    });
  });

  describe('[okta] Okta SCIM 2.0 reference, SCIM User operations', () => {
    /** userName "test.user@okta.local" with a number of its own, and an Okta-shaped user id (00u…) as externalId. */
    let users = 0;
    const uniqueUserName = () => `test.user.${++users}.${randomUUID().slice(0, 8)}@okta.local`;
    const oktaUserId = () => `00u${randomUUID().replace(/-/g, '').slice(0, 17)}`;
    /** "Determine if the User already exists": the query exactly as Okta percent-encodes it. */
    const userNameQuery = (userName: string) => `?filter=userName%20eq%20%22${encodeURIComponent(userName)}%22&startIndex=1&count=100`;

    /** "Create the User": the application profile Okta POSTs. */
    const createBody = (userName = uniqueUserName()): ScimObject => ({
      schemas: [CORE_USER_SCHEMA],
      userName,
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: userName, type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: oktaUserId(),
      groups: [],
      password: '1mz050nq',
      active: true,
    });

    /** "Update the User": the PUT body Okta sends, with this user's id and userName. */
    const putBody = (id: string, userName: string): ScimObject => oktaReferencePut(id, userName);
    /**
     * A PUT replaces the user (RFC 7644 §3.5.1): what Okta reads back is the PUT body, the display name it
     * leaves out derived from the name sent (rule L1), and nothing of the create it left out (externalId, locale).
     */
    const PUT_DERIVED = { displayName: 'Another User' };

    async function givenCreatedUser(client = okta): Promise<{ id: string; userName: string; written: ScimObject }> {
      const body = createBody();
      const id = expectUserResponse(await client.post(`${SCIM}/Users`, body), SCIM, 201).id as string;
      return { id, userName: body.userName as string, written: readBackOf(body) };
    }

    it('Determine if the User already exists: given no such user, when Okta filters userName eq with startIndex=1&count=100, then 200 with an empty ListResponse, integer counters', async () => {
      const response = await okta.get(`${SCIM}/Users${userNameQuery(uniqueUserName())}`);

      expectListResponse(response, SCIM, 0);
      expect(response.body).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
    });

    it('Determine if the User already exists: given the user, when Okta filters userName eq, then a ListResponse of exactly that user, as written', async () => {
      const { id, userName, written } = await givenCreatedUser();

      const response = await okta.get(`${SCIM}/Users${userNameQuery(userName)}`);

      const [found] = expectListResponse(response, SCIM, 1);
      expect(found).toMatchObject({ id, userName });
      expectReadBack(found, written);
    });

    it('Create the User: when Okta POSTs the profile with locale, groups and a password, then 201, and a GET returns every attribute sent but the password (rule L11)', async () => {
      const body = createBody();

      const response = await okta.post(`${SCIM}/Users`, body);

      const created = expectUserResponse(response, SCIM, 201);
      expect(response.text).not.toContain('1mz050nq');
      const read = await readBack(okta, created.id as string);
      expect(read).toMatchObject({ userName: body.userName, externalId: body.externalId, displayName: 'Test User', active: true });
      expectReadBack(read, readBackOf(body));
    });

    it('Create the User, custom attributes variant: when Okta POSTs the profile without externalId, then 201, and a GET returns what was sent and no externalId', async () => {
      const { externalId: _left, ...body } = createBody();

      const response = await okta.post(`${SCIM}/Users`, body);

      const created = expectUserResponse(response, SCIM, 201);
      const read = await readBack(okta, created.id as string);
      expect(read).not.toHaveProperty('externalId');
      expectReadBack(read, readBackOf(body));
    });

    it('Create the User, already exists: given the user, when Okta POSTs the same profile again, then 409 in the SCIM error schema, and the user is unchanged', async () => {
      const { id, userName, written } = await givenCreatedUser();
      const before = await readBack(okta, id);

      const response = await okta.post(`${SCIM}/Users`, createBody(userName));

      expectScimError(response, 409);
      const after = await readBack(okta, id);
      expect(after.meta).toMatchObject({ version: (before.meta as ScimObject).version, lastModified: (before.meta as ScimObject).lastModified });
      expectReadBack(after, written);
    });

    it('Retrieve Users: given a tenant holding one user, when Okta GETs /Users?startIndex=1&count=100, then a ListResponse of it, as written', async () => {
      const tenantId = `okta-samples-${randomUUID().slice(0, 8)}`;
      const { token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: tenantId, name: 'Okta samples' });
      const ownOkta = oktaClient(t, token);
      const { id, written } = await givenCreatedUser(ownOkta);

      const response = await ownOkta.get(`${SCIM}/Users?startIndex=1&count=100`);

      const [listed] = expectListResponse(response, SCIM, 1);
      expect(listed.id).toBe(id);
      expectReadBack(listed, written);
    });

    it('Retrieve a specific User: given the user, when Okta GETs its id, then 200 with exactly what was written', async () => {
      const { id, userName, written } = await givenCreatedUser();

      const response = await okta.get(`${SCIM}/Users/${id}`);

      const read = expectUserResponse(response, SCIM);
      expect(read).toMatchObject({ id, userName, active: true });
      expectReadBack(read, written);
    });

    it('Update the User (PUT): given the user Okta retrieved, when it PUTs the documented body (middleName, emails display, no displayName), then 200, and a GET returns that body with displayName derived (rule L1)', async () => {
      const { id, userName } = await givenCreatedUser();
      expectUserResponse(await okta.get(`${SCIM}/Users/${id}`), SCIM); // "Retrieve the User", as Okta does first
      const body = putBody(id, userName);

      const response = await okta.put(`${SCIM}/Users/${id}`, body);

      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, userName });
      const read = await readBack(okta, id);
      expect(read).toMatchObject({ id, userName, displayName: 'Another User', name: { givenName: 'Another', familyName: 'User' }, active: true });
      expectReadBack(read, readBackOf(body, PUT_DERIVED));
    });

    it('Update a specific User (PATCH), deactivate: given the updated user, when Okta PATCHes a path-less replace {active: false}, then 200, Preserved (rule L4), and a GET returns active false and the rest as written', async () => {
      const { id, userName } = await givenCreatedUser();
      const body = putBody(id, userName);
      expectUserResponse(await okta.put(`${SCIM}/Users/${id}`, body), SCIM);

      const response = await okta.patch(`${SCIM}/Users/${id}`, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] });

      expect(expectUserResponse(response, SCIM)).toMatchObject({ id, active: false });
      expect(await userRow(id)).toMatchObject({ status: 'Preserved', preservedBy: 'idp', deletedInIdp: false });
      const read = await readBack(okta, id);
      expect(read).toMatchObject({ id, userName, active: false });
      expectReadBack(read, { ...readBackOf(body, PUT_DERIVED), active: false });
    });
  });
});
