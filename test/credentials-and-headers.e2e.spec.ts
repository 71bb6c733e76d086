import request from 'supertest';
import * as secretHash from '../libs/platform/src/secret-hash';
import { SCIM_ERROR_SCHEMA } from '@scim-ledger/scim';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TENANT_B_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';
const PROBLEM = 'application/problem+json';
const basic = (c: { clientId: string; clientSecret: string }) => `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;

/** Issue 15, finding 6: a credential is read from one place, counted as itself, and headers reach no answer unchecked. */
describe(`credentials only in the Authorization header on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let admin: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR, AUTH_FAILURE_LIMIT: '0' });
    ({ admin } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'hdr', name: 'Header' }));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['a SCIM token in ?access_token=', () => request(t.http).get(`/scim/v2/Users?access_token=${TENANT_A_TOKEN}`)],
    [
      'a SCIM token in a body field',
      () => request(t.http).post('/scim/v2/Users/.search').set('Content-Type', SCIM_JSON).send({ access_token: TENANT_A_TOKEN }),
    ],
  ])('given %s and no Authorization header, when SCIM is called, then 401', async (_, call) => {
    const answer = await call();
    expect([answer.status, answer.body.schemas]).toEqual([401, [SCIM_ERROR_SCHEMA]]);
  });

  it.each([
    ["the operator's token in ?access_token=", () => request(t.http).get(`/admin/v1/tenants?access_token=${OPERATOR}`)],
    [
      "the operator's token in a body field",
      () => request(t.http).post('/admin/v1/tenants').send({ access_token: OPERATOR, id: 'smuggled', name: 'Smuggled' }),
    ],
  ])('given %s and no Authorization header, when the admin API is called, then 401 as problem details and no tenant is made', async (_, call) => {
    const answer = await call();
    expect([answer.status, answer.headers['content-type']]).toEqual([401, expect.stringContaining(PROBLEM)]);
    const [tenant] = await t.readModel.query(`SELECT COUNT(*) AS n FROM tenants WHERE id = 'smuggled'`);
    expect(Number(tenant.n)).toBe(0);
  });

  it('given the header spelled bearer, BEARER or with extra spaces, when called, then each is the same credential and is accepted', async () => {
    const statuses = [];
    for (const authorization of [`bearer ${TENANT_A_TOKEN}`, `BEARER ${TENANT_A_TOKEN}`, `Bearer   ${TENANT_A_TOKEN}`]) {
      statuses.push((await request(t.http).get('/scim/v2/Users').set('Authorization', authorization)).status);
    }
    expect(statuses).toEqual([200, 200, 200]);
  });

  it('given an unknown client id, when it authenticates, then it runs the same hashing and comparing as a known id with a wrong secret', async () => {
    const hashing = jest.spyOn(secretHash, 'sha256Hex');
    const comparing = jest.spyOn(secretHash, 'sameHash');
    const work = async (authorization: string) => {
      hashing.mockClear();
      comparing.mockClear();
      const answer = await request(t.http).get('/admin/v1/tenants/hdr').set('Authorization', authorization);
      return { status: answer.status, hashes: hashing.mock.calls.length, compares: comparing.mock.calls.length };
    };
    try {
      const wrongSecret = await work(basic({ clientId: admin.clientId, clientSecret: 'wrong-secret-0123456789' }));
      const unknownId = await work(basic({ clientId: 'hdr.000000000000', clientSecret: 'wrong-secret-0123456789' }));
      expect(wrongSecret).toEqual({ status: 401, hashes: expect.any(Number), compares: expect.any(Number) });
      expect(wrongSecret.hashes).toBeGreaterThan(0);
      expect(unknownId).toEqual(wrongSecret);
    } finally {
      hashing.mockRestore();
      comparing.mockRestore();
    }
  });
});

describe(`the rate limit counts the credential, not its spelling, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000', AUTH_FAILURE_LIMIT: '0' });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it('given a token that used its budget, when it is sent as bearer, BEARER or with extra spaces, then 429 each time', async () => {
    const list = (authorization: string) => request(t.http).get('/scim/v2/Users').set('Authorization', authorization);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await list(`Bearer ${TENANT_A_TOKEN}`)).status);
    for (const spelling of [`bearer ${TENANT_A_TOKEN}`, `BEARER ${TENANT_A_TOKEN}`, `Bearer  ${TENANT_A_TOKEN}`, `Bearer ${TENANT_A_TOKEN} `]) {
      statuses.push((await list(spelling)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429]);
    expect((await list(`Bearer ${TENANT_B_TOKEN}`)).status).toBe(200);
  });
});

describe(`failed authentications never lock out a valid credential on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUTH_FAILURE_LIMIT: '3', RATE_LIMIT_WINDOW_MS: '60000', ADMIN_OPERATOR_TOKEN: OPERATOR });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it('given an address over its failed-authentication limit, when it sends a valid credential, then it is served, while wrong ones still get 429', async () => {
    const guess = (token: string) => request(t.http).get('/scim/v2/ServiceProviderConfig').set('Authorization', `Bearer ${token}`);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await guess(`guess-${i}-0123456789abcdef`)).status);
    expect(statuses).toEqual([401, 401, 401]);

    const wrong = await guess('guess-3-0123456789abcdef');
    const none = await request(t.http).get('/scim/v2/Users');
    const valid = await guess(TENANT_B_TOKEN);
    const operator = await request(t.http).get('/admin/v1/tenants').set('Authorization', `Bearer ${OPERATOR}`);
    const wrongAdmin = await request(t.http).get('/admin/v1/tenants').set('Authorization', 'Bearer wrong-operator-0123456789');

    expect(wrong.status).toBe(429);
    expect(wrong.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '429', detail: expect.stringMatching(/failed authentications/) });
    expect(Number(wrong.headers['retry-after'])).toBeGreaterThan(0);
    expect(none.status).toBe(429);
    expect(valid.status).toBe(200);
    expect(operator.status).toBe(200);
    expect([wrongAdmin.status, wrongAdmin.headers['content-type']]).toEqual([429, expect.stringContaining(PROBLEM)]);
  });
});

describe(`the Host header never reaches an answer unchecked on ${E2E_DATABASE}`, () => {
  const create = (t: TestApp, userName: string, host: string) =>
    request(t.http)
      .post('/scim/v2/Users')
      .set('Host', host)
      .set('Authorization', `Bearer ${TENANT_A_TOKEN}`)
      .set('Content-Type', SCIM_JSON)
      .send(entraUser(userName));

  it(
    'given PUBLIC_BASE_URL, when a request names another host, then Location and meta.location use PUBLIC_BASE_URL',
    async () => {
      const t = await startTestApp({ PUBLIC_BASE_URL: 'https://scim.example.com/' });
      try {
        const created = await create(t, 'host1@example.com', 'evil.example');
        expect(created.status).toBe(201);
        expect(created.headers.location).toBe(`https://scim.example.com/scim/v2/Users/${created.body.id}`);
        expect(created.body.meta.location).toBe(created.headers.location);
        const config = await request(t.http).get('/scim/v2/ServiceProviderConfig').set('Host', 'evil.example').set('Authorization', `Bearer ${TENANT_A_TOKEN}`);
        expect(config.body.meta.location).toBe('https://scim.example.com/scim/v2/ServiceProviderConfig');
      } finally {
        await t.close();
      }
    },
    TIMEOUTS.appStart,
  );

  it(
    'given ALLOWED_HOSTS, when a request names an allowed host, then that host; when another, then the listening address',
    async () => {
      const t = await startTestApp({ ALLOWED_HOSTS: 'scim.example.com, SCIM.internal:8443' });
      try {
        const allowed = await create(t, 'host2@example.com', 'SCIM.Example.com');
        const allowedWithPort = await create(t, 'host3@example.com', 'scim.internal:8443');
        const other = await create(t, 'host4@example.com', 'evil.example');
        expect(allowed.headers.location).toBe(`http://scim.example.com/scim/v2/Users/${allowed.body.id}`);
        expect(allowedWithPort.headers.location).toBe(`http://scim.internal:8443/scim/v2/Users/${allowedWithPort.body.id}`);
        const { port } = new URL(other.headers.location);
        expect(other.headers.location).toBe(`http://127.0.0.1:${port}/scim/v2/Users/${other.body.id}`);
        expect(other.body.meta.location).toBe(other.headers.location);
      } finally {
        await t.close();
      }
    },
    TIMEOUTS.appStart,
  );

  it(
    'given neither, when a request names any host, then the listening address',
    async () => {
      const t = await startTestApp();
      try {
        const other = await create(t, 'host5@example.com', 'evil.example');
        expect(new URL(other.headers.location).hostname).toBe('127.0.0.1');
      } finally {
        await t.close();
      }
    },
    TIMEOUTS.appStart,
  );
});

describe('ALLOWED_HOSTS is validated at start-up', () => {
  it.each(['evil.example/path', 'a b', 'http://scim.example.com', 'scim.example.com:99999', ','])(
    'given ALLOWED_HOSTS=%j, then the config is refused',
    async (value) => {
      const { loadConfig } = await import('@scim-ledger/platform');
      expect(() => loadConfig({ ALLOWED_HOSTS: value })).toThrow(/ALLOWED_HOSTS/);
    },
  );
});

describe(`admin bodies missing a nested object on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let admin: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    ({ admin } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'quota', name: 'Quota' }));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['POST', '/admin/v1/tenants/quota/scim-mappings', { id: 'noquota', name: 'x', attribute: 'a', values: 'b', profileId: 'all', storageId: 'main' }],
    ['PUT', '/admin/v1/tenants/quota/scim-mappings/all', { name: 'x', profileId: 'all', storageId: 'main' }],
    ['PUT', '/admin/v1/tenants/quota/scim-mappings/all', { name: 'x', profileId: 'all', storageId: 'main', quota: null }],
    ['PUT', '/admin/v1/tenants/quota/scim-mappings/all', { name: 'x', profileId: 'all', storageId: 'main', quota: 'big' }],
  ])('given %s %s without a quota object, then 400 problem details naming quota', async (method, url, body) => {
    const answer = await request(t.http)[method.toLowerCase() as 'post'](url).set('Authorization', basic(admin)).send(body);
    expect([answer.status, answer.headers['content-type']]).toEqual([400, expect.stringContaining(PROBLEM)]);
    expect(answer.body).toMatchObject({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      errors: expect.arrayContaining([expect.stringMatching(/quota/)]),
    });
  });
});

describe(`admin numbers beyond what the read model holds on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let admin: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    ({ admin } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'big', name: 'Big' }));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['maxUsers', { id: 'huge', name: 'x', maxUsers: 2_147_483_648, storageIds: ['main'] }],
    ['autoDeletePreservedAfterDays', { id: 'forever', name: 'x', maxUsers: 0, autoDeletePreservedAfterDays: 9_007_199_254_740_991, storageIds: ['main'] }],
  ])(
    'given a profile whose %s is beyond a 32-bit column, then 400 and no event',
    async (field, body) => {
      const [before] = await t.readModel.query('SELECT COUNT(*) AS n FROM events');
      const answer = await request(t.http).post('/admin/v1/tenants/big/profiles').set('Authorization', basic(admin)).send(body);
      expect([answer.status, answer.body.errors]).toEqual([400, [expect.stringContaining(field)]]);
      const [after] = await t.readModel.query('SELECT COUNT(*) AS n FROM events');
      expect(Number(after.n)).toBe(Number(before.n));
    },
    20_000,
  );
});

describe(`admin query numbers beyond what a database takes on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let admin: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR });
    ({ admin } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'page', name: 'Page' }));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    'users?startIndex=1e21',
    'users?startIndex=9223372036854775808',
    'audit?startIndex=1e21',
    'audit?startIndex=2147483648&count=5',
    `users/x/history?startIndex=1e21`,
  ])('given GET …/%s, then 400 problem details naming startIndex', async (path) => {
    const answer = await request(t.http).get(`/admin/v1/tenants/page/${path}`).set('Authorization', basic(admin));
    expect([answer.status, answer.headers['content-type'], answer.body.errors]).toEqual([
      400,
      expect.stringContaining(PROBLEM),
      [expect.stringContaining('startIndex')],
    ]);
  });
});
