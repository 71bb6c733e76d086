import request from 'supertest';
import { projectedEverythingStored } from './support/projected';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const DRUVA = 'urn:ietf:params:scim:schemas:extension:Druva:2.0:User';

interface Entry {
  readonly eventType: string;
  readonly requestId: string;
  readonly ignoredAttributes: readonly string[];
}

/**
 * Rule A4 (issue 18, item 4): nothing an IdP sends is dropped without a
 * trace. What a request sends and scim-ledger does not keep on the user is
 * named in the metadata of every event it appends, and of its refusal, and
 * the admin's audit feed shows it.
 */
describe(`attributes not kept, traced in the audit feed, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let admin: { clientId: string; clientSecret: string };
  let token: string;

  const scim = (method: 'post' | 'put' | 'patch', path: string, body: object, requestId: string) =>
    request(t.http)
      [method](`/scim/v2/Users${path}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', SCIM_JSON)
      .set('X-Request-Id', requestId)
      .send(body);
  const feed = async (requestId: string): Promise<Entry[]> => {
    await projectedEverythingStored(t);
    const entries = (await request(t.http).get('/admin/v1/tenants/ignored/audit?count=200').auth(admin.clientId, admin.clientSecret)).body.entries as Entry[];
    // The user's events and refusals; the claims the request made carry the same metadata.
    return entries.filter((entry) => entry.requestId === requestId && /^User|^ProvisioningRefused$/.test(entry.eventType));
  };

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    ({ admin, token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'ignored', name: 'Ignored' }));
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it('given a create with a company, a Druva city, an unknown name part and a password, when created, then its event names each of them, and nothing kept', async () => {
    const created = await scim(
      'post',
      '',
      entraUser('kim@ignored.test', { company: 'Acme', password: 'hunter2', name: { givenName: 'Kim', nickname: 'K' }, [DRUVA]: { city: 'Lyon' } }),
      'create-kim',
    );
    expect(created.status).toBe(201);
    expect(await feed('create-kim')).toEqual([
      expect.objectContaining({ eventType: 'UserCreated', ignoredAttributes: ['name.nickname', 'company', 'password', `${DRUVA}:city`] }),
    ]);
  });

  it('given a user, when a PATCH sets a Druva attribute after the create (mapping-only, rule A3) beside a title, then the change names the Druva attribute as ignored', async () => {
    const id = (await scim('post', '', entraUser('lou@ignored.test'), 'create-lou')).body.id as string;
    const patched = await scim(
      'patch',
      `/${id}`,
      {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'add', path: `${DRUVA}:department`, value: 'Sales' },
          { op: 'replace', path: 'title', value: 'Engineer' },
        ],
      },
      'patch-lou',
    );
    expect(patched.status).toBe(200);
    expect(await feed('patch-lou')).toEqual([expect.objectContaining({ eventType: 'UserAttributesChanged', ignoredAttributes: [`${DRUVA}:department`] })]);
  });

  it('given a user, when a PUT with an unknown attribute is refused, then the refusal names the attribute too', async () => {
    const id = (await scim('post', '', entraUser('max@ignored.test'), 'create-max')).body.id as string;
    const refused = await scim('put', `/${id}`, { ...entraUser('max@ignored.test', { shoeSize: '44' }), userName: '' }, 'put-max');
    expect(refused.status).toBe(400);
    expect(await feed('put-max')).toEqual([expect.objectContaining({ eventType: 'ProvisioningRefused', ignoredAttributes: ['shoeSize'] })]);
  });

  it('given a request that sends only kept attributes, when it changes the user, then its entries name nothing ignored', async () => {
    const id = (await scim('post', '', entraUser('ned@ignored.test'), 'create-ned')).body.id as string;
    await scim('patch', `/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'nickName', value: 'Ned' }] }, 'patch-ned');
    expect(await feed('patch-ned')).toEqual([expect.objectContaining({ eventType: 'UserAttributesChanged', ignoredAttributes: [] })]);
  });

  it('given a user, when a PATCH sends only a Druva attribute after the create (mapping-only, rule A3), then nothing changes but an event names it (B2)', async () => {
    const id = (await scim('post', '', entraUser('ivy@ignored.test'), 'create-ivy')).body.id as string;
    const answer = await scim('patch', `/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: `${DRUVA}:city`, value: 'Lyon' }] }, 'patch-ivy');
    expect(answer.status).toBe(200);
    expect(await feed('patch-ivy')).toEqual([
      expect.objectContaining({ eventType: 'UserAttributesIgnored', ignoredAttributes: [`${DRUVA}:city`], data: { names: [`${DRUVA}:city`] } }),
    ]);
  });

  it('given a user, when a PUT repeats it with only a password added (Okta), then no event at all: a password is ignored by design (rule L11)', async () => {
    const body = entraUser('oz@ignored.test');
    const id = (await scim('post', '', body, 'create-oz')).body.id as string;
    expect((await scim('put', `/${id}`, { ...body, password: 'hunter2' }, 'put-oz')).status).toBe(200);
    expect(await feed('put-oz')).toEqual([]);
  });
});
