import request from 'supertest';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

type ScimUser = Record<string, unknown> & { id: string };

/**
 * PATCHes of the kept attributes (issue 18, item 1) as IdPs send them, each
 * on a user of its own: names in any case (RFC 7643 §2.1), a new primary that
 * demotes the old one (RFC 7644 §3.5.2), null as unassigned (RFC 7643 §2.5).
 * Found by the attack on issue 18 (F1, F2, F3, F11, F12): each answered 200
 * and lost data, or refused what an IdP sends every cycle.
 */
describe(`PATCHes of the whole User, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let token: string;
  let users = 0;

  const scim = () => ({
    post: (body: object) => request(t.http).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON).send(body),
    patch: (id: string, Operations: object[]) =>
      request(t.http)
        .patch(`/scim/v2/Users/${id}`)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', SCIM_JSON)
        .send({ schemas: [PATCH_OP], Operations }),
    get: async (id: string) => (await request(t.http).get(`/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`)).body as ScimUser,
  });
  /** A user of the test's own, as Entra ID sends one, with what the test adds. */
  const givenUser = async (extra: Record<string, unknown>): Promise<ScimUser> => {
    const created = await scim().post(entraUser(`user${++users}@patches.test`, extra));
    expect(created.status).toBe(201);
    return created.body as ScimUser;
  };
  const patched = async (id: string, operations: object[]) => {
    const answer = await scim().patch(id, operations);
    expect({ status: answer.status, body: answer.status === 200 ? 'a user' : answer.body }).toEqual({ status: 200, body: 'a user' });
    return scim().get(id);
  };

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    ({ token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'patches', name: 'Patches' }));
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it('given a primary work email, when a PATCH adds a home email as primary, then the home one is primary and the work one no longer (F1)', async () => {
    const user = await givenUser({});
    const work = (user.emails as object[])[0];
    const read = await patched(user.id, [{ op: 'add', path: 'emails', value: [{ value: `home${users}@mail.test`, type: 'home', primary: true }] }]);
    expect(read.emails).toEqual([
      { ...work, primary: false },
      { value: `home${users}@mail.test`, type: 'home', primary: true },
    ]);
  });

  it('given a PATCH adding two primary phone numbers at once, then 400 invalidValue: two primaries the IdP sent (RFC 7643 §2.4)', async () => {
    const user = await givenUser({});
    const answer = await scim().patch(user.id, [
      {
        op: 'add',
        path: 'phoneNumbers',
        value: [
          { value: '1', primary: true },
          { value: '2', primary: true },
        ],
      },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body.scimType).toBe('invalidValue');
  });

  it.each([
    ['NAME.GIVENNAME', [{ op: 'replace', path: 'NAME.GIVENNAME', value: 'New' }]],
    ['a path-less NAME', [{ op: 'replace', value: { NAME: { GIVENNAME: 'New' } } }]],
  ])('given a name with a middle name, when %s is replaced, then only the given name changes (F2)', async (_, operations) => {
    const user = await givenUser({ name: { givenName: 'Gee', familyName: 'Eff', middleName: 'M' } });
    expect((await patched(user.id, operations)).name).toEqual({ givenName: 'New', familyName: 'Eff', middleName: 'M' });
  });

  it.each([
    ['the URN in capitals', `${ENTERPRISE.toUpperCase()}:costCenter`],
    ['the attribute in capitals', `${ENTERPRISE}:COSTCENTER`],
  ])('given an enterprise costCenter, when a PATCH replaces it with %s, then it changes (F3)', async (_, path) => {
    const user = await givenUser({ [ENTERPRISE]: { costCenter: 'Old' } });
    expect((await patched(user.id, [{ op: 'replace', path, value: 'CC' }]))[ENTERPRISE]).toEqual({ costCenter: 'CC' });
  });

  it("given Entra's attribute table paths with a capital sub-attribute, when a user's other email and office change, then both change and the inSync email stays (F12)", async () => {
    const user = await givenUser({
      emails: [
        { value: `work${users + 1}@patches.test`, type: 'work', primary: true },
        { value: 'p1@x.example.com', type: 'other' },
      ],
      addresses: [{ type: 'other', formatted: 'Office 12' }],
    });
    await patched(user.id, [{ op: 'Replace', path: 'emails[type eq "other"].Value', value: 'p2@x.example.com' }]);
    const read = await patched(user.id, [{ op: 'Replace', path: 'addresses[type eq "other"].Formatted', value: 'Office 13' }]);
    expect(read.emails).toEqual([
      { value: `work${users}@patches.test`, type: 'work', primary: true },
      { value: 'p2@x.example.com', type: 'other' },
    ]);
    expect(read.addresses).toEqual([{ type: 'other', formatted: 'Office 13' }]);
  });

  it('given phone numbers, when a PATCH replaces phoneNumbers with null, then they are gone (RFC 7643 §2.5: unassigned), not a TypeError (F11)', async () => {
    const user = await givenUser({ phoneNumbers: [{ value: '555', type: 'work' }] });
    expect(await patched(user.id, [{ op: 'replace', path: 'phoneNumbers', value: null }])).not.toHaveProperty('phoneNumbers');
  });

  it('given a user created without displayName (derived from name, rule L1), when a PATCH changes only name.givenName, then the display name follows the name (F7)', async () => {
    const created = await scim().post({
      ...entraUser(`derived${++users}@patches.test`),
      displayName: undefined,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
    });
    expect(created.body.displayName).toBe('Ada Lovelace');
    expect((await patched(created.body.id, [{ op: 'replace', path: 'name.givenName', value: 'Augusta' }])).displayName).toBe('Augusta Lovelace');
    // Still derived after following the name once.
    expect((await patched(created.body.id, [{ op: 'replace', path: 'name.familyName', value: 'King' }])).displayName).toBe('Augusta King');
  });

  it('given a user whose display name is its own, when a PATCH changes only name.givenName, then the display name stays', async () => {
    const user = await givenUser({ displayName: 'The Countess', name: { givenName: 'Ada', familyName: 'Lovelace' } });
    expect((await patched(user.id, [{ op: 'replace', path: 'name.givenName', value: 'Augusta' }])).displayName).toBe('The Countess');
  });

  it('given a user, when a PATCH adds one phone number as an object, not in a list, then it is added (RFC 7644 §3.5.2.1; F15)', async () => {
    const user = await givenUser({ phoneNumbers: [{ value: '1', type: 'work' }] });
    const read = await patched(user.id, [{ op: 'add', path: 'phoneNumbers', value: { value: '2', type: 'mobile' } }]);
    expect(read.phoneNumbers).toEqual([
      { value: '1', type: 'work' },
      { value: '2', type: 'mobile' },
    ]);
  });

  it('given a user, when a PUT sends the same emails in another order, then nothing changes: no new revision (RFC 7643 §2.4; F17)', async () => {
    const emails = [
      { value: `first${users + 1}@patches.test`, type: 'work', primary: true },
      { value: 'second@mail.test', type: 'home' },
    ];
    const user = await givenUser({ emails });
    const put = await request(t.http)
      .put(`/scim/v2/Users/${user.id}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', SCIM_JSON)
      .send({ ...entraUser(user.userName as string), emails: [...emails].reverse() });
    expect(put.status).toBe(200);
    expect(put.body.meta.version).toBe((user.meta as { version: string }).version);
  });

  it('given a path-less value of more keys than a PATCH may carry operations, then 400 tooMany before any is applied (F21)', async () => {
    const user = await givenUser({});
    const value = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`phoneNumbers[type eq "t${i}"].value`, String(i)]));
    const answer = await scim().patch(user.id, [{ op: 'add', value }]);
    expect(answer.status).toBe(400);
    expect(answer.body.scimType).toBe('tooMany');
  });

  it("given attributes within every value's bound that take more than a user may in all, when created, then 400 invalidValue saying the bound (F13)", async () => {
    const long = 'x'.repeat(500);
    const phoneNumbers = Array.from({ length: 100 }, (_, i) => ({ value: `${i}`, display: long, type: 'work' }));
    const answer = await scim().post(entraUser(`big${++users}@patches.test`, { phoneNumbers }));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('at most 32768 are allowed') });
  });

  it.each([
    ['more attributes than the bound', Array.from({ length: 201 }, (_, i) => `name.x${i}`)],
    ['names longer in all than the bound', Array.from({ length: 3 }, () => `name.${'a.'.repeat(2000)}x`)],
  ])('given a search naming %s, then 400 invalidValue, not a frozen event loop (F22, B11)', async (_, names) => {
    const answer = await request(t.http)
      .post('/scim/v2/Users/.search')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', SCIM_JSON)
      .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], attributes: names });
    expect(answer.status).toBe(400);
    expect(answer.body.scimType).toBe('invalidValue');
  });

  it.each([
    ['a path-less value holding the extension as an object', [{ op: 'replace', value: { [ENTERPRISE]: { department: 'D9' } } }]],
    ['the URN as the path', [{ op: 'replace', path: ENTERPRISE, value: { department: 'D9' } }]],
    ['the URN in another case as the path', [{ op: 'add', path: ENTERPRISE.toLowerCase(), value: { Department: 'D9' } }]],
  ])(
    'given an enterprise department and costCenter, when a PATCH sets the department by %s, then it changes and the costCenter stays (B4)',
    async (_, operations) => {
      const user = await givenUser({ [ENTERPRISE]: { department: 'D', costCenter: 'C' } });
      expect((await patched(user.id, operations))[ENTERPRISE]).toEqual({ department: 'D9', costCenter: 'C' });
    },
  );

  it('given an enterprise extension, when a PATCH removes the URN, then the extension is gone (RFC 7644 §3.5.2.2; B4)', async () => {
    const user = await givenUser({ [ENTERPRISE]: { department: 'D', costCenter: 'C' } });
    const read = await patched(user.id, [{ op: 'remove', path: ENTERPRISE }]);
    expect(read).not.toHaveProperty(ENTERPRISE);
    expect(read.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User']);
  });

  it.each([
    ['a value filter on an undefined sub-attribute', { 'emails[foo eq "x"].value': '1' }, 'invalidPath'],
    ['a key longer than a path may be', { [`emails[value eq "${'a'.repeat(1100)}"].display`]: 'D' }, 'invalidPath'],
  ])('given a path-less value keyed by %s, when PATCHed, then 400 %s and nothing added (B8, B9)', async (_, value, scimType) => {
    const user = await givenUser({});
    const answer = await scim().patch(user.id, [{ op: 'replace', value }]);
    expect({ status: answer.status, scimType: answer.body.scimType }).toEqual({ status: 400, scimType });
    expect((await scim().get(user.id)).emails).toEqual(user.emails);
  });

  it('given a user created without emails, when a PUT writes back exactly what a GET returned, then no change: the derived email stays derived (B3)', async () => {
    const created = await scim().post({ ...entraUser(`noemail${++users}@patches.test`), emails: undefined });
    const { meta: _meta, ...asRead } = await scim().get(created.body.id);
    const put = await request(t.http)
      .put(`/scim/v2/Users/${created.body.id}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', SCIM_JSON)
      .send(asRead);
    expect(put.status).toBe(200);
    expect(put.body.meta.version).toBe(created.body.meta.version);
  });

  it('given two emails, when a PATCH replaces emails.primary with true without a filter, then 400 invalidValue: every value would be primary (B6)', async () => {
    const user = await givenUser({
      emails: [
        { value: `w${users + 1}@patches.test`, type: 'work', primary: true },
        { value: 'h@mail.test', type: 'home' },
      ],
    });
    const answer = await scim().patch(user.id, [{ op: 'replace', path: 'emails.primary', value: true }]);
    expect({ status: answer.status, scimType: answer.body.scimType }).toEqual({ status: 400, scimType: 'invalidValue' });
    expect((await scim().get(user.id)).emails).toEqual(user.emails);
  });

  it('given an email in mixed case, when a PATCH removes it naming it in lower case, then it is removed, as a GET filter would find it (F23)', async () => {
    const user = await givenUser({
      emails: [
        { value: `w${users + 1}@patches.test`, type: 'work', primary: true },
        { value: 'Proxy@Example.com', type: 'other' },
      ],
    });
    const read = await patched(user.id, [{ op: 'remove', path: 'emails[value eq "proxy@example.com"]' }]);
    expect(read.emails).toEqual([(user.emails as object[])[0]]);
  });

  it('given a work email, when a PATCH replaces emails[type eq "WORK"].value, then the work email changes and no second one is added (B14)', async () => {
    const user = await givenUser({});
    const read = await patched(user.id, [{ op: 'replace', path: 'emails[type eq "WORK"].value', value: `renamed${users}@patches.test` }]);
    expect(read.emails).toEqual([{ value: `renamed${users}@patches.test`, type: 'work', primary: true }]);
  });

  it('given one attribute under two spellings with different values, when PUT or PATCHed, then 400 invalidValue naming it, and nothing changes (B7)', async () => {
    const user = await givenUser({ title: 'Before' });
    const put = await request(t.http)
      .put(`/scim/v2/Users/${user.id}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', SCIM_JSON)
      .send({ ...entraUser(user.userName as string), title: 'A', TITLE: 'B' });
    const patch = await scim().patch(user.id, [{ op: 'replace', value: { nickName: 'n1', NICKNAME: 'n2' } }]);
    expect([put.status, put.body.scimType, patch.status, patch.body.scimType]).toEqual([400, 'invalidValue', 400, 'invalidValue']);
    expect((await scim().get(user.id)).title).toBe('Before');
  });

  it('given a display name the IdP sent that equals what the name gives, when a PATCH changes only name.givenName, then the display name stays as sent (B5)', async () => {
    const user = await givenUser({ displayName: 'Ada Lovelace', name: { givenName: 'Ada', familyName: 'Lovelace' } });
    expect((await patched(user.id, [{ op: 'replace', path: 'name.givenName', value: 'Augusta' }])).displayName).toBe('Ada Lovelace');
  });
});
