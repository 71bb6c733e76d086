import request from 'supertest';
import { loadConfig } from '@scim-ledger/platform';
import { entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

/**
 * Issue 20, item 4: behind a TLS-terminating proxy every client reaches the
 * api from the proxy's address. TRUST_PROXY lets the api take the client's
 * address from X-Forwarded-For, for the rate limits, the failed-authentication
 * limit and the audit trail; without it the header is not believed.
 */
const CLIENT_1 = '203.0.113.1';
const CLIENT_2 = '198.51.100.2';

const from = (call: request.Test, client: string) => call.set('X-Forwarded-For', client);

describe.each([
  ['TRUST_PROXY=loopback (the proxy on this machine)', { TRUST_PROXY: 'loopback' }, true],
  ['TRUST_PROXY=1 (one hop)', { TRUST_PROXY: '1' }, true],
  ['TRUST_PROXY unset', {}, false],
] as const)('%s', (_, env, separate) => {
  describe('the per-address rate limit', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ ...env, RATE_LIMIT_MAX: '2', AUTH_FAILURE_LIMIT: '0' });
    }, TIMEOUTS.appStart);
    afterAll(async () => {
      await t?.close();
    });

    it(`given a client without a credential over its limit, then a second client behind the same proxy is ${separate ? 'served' : 'limited too'}`, async () => {
      for (let i = 0; i < 2; i++) expect((await from(request(t.http).get('/scim/v2/Users'), CLIENT_1)).status).toBe(401);
      expect((await from(request(t.http).get('/scim/v2/Users'), CLIENT_1)).status).toBe(429);
      expect((await from(request(t.http).get('/scim/v2/Users'), CLIENT_2)).status).toBe(separate ? 401 : 429);
    });
  });

  describe('the failed-authentication limit', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ ...env, RATE_LIMIT_MAX: '0', AUTH_FAILURE_LIMIT: '1' });
    }, TIMEOUTS.appStart);
    afterAll(async () => {
      await t?.close();
    });

    it(`given a client that failed to authenticate past AUTH_FAILURE_LIMIT, then a second client behind the same proxy is ${separate ? 'still answered 401' : 'refused 429 too'}, and a valid token is served to both`, async () => {
      const wrong = 'Bearer wrong-token-0123456789abcdef';
      expect((await from(request(t.http).get('/scim/v2/Users'), CLIENT_1).set('Authorization', wrong)).status).toBe(401);
      expect((await from(request(t.http).get('/scim/v2/Users'), CLIENT_1).set('Authorization', wrong)).status).toBe(429);
      expect((await from(request(t.http).get('/scim/v2/Users'), CLIENT_2).set('Authorization', wrong)).status).toBe(separate ? 401 : 429);
      for (const client of [CLIENT_1, CLIENT_2]) {
        expect((await from(request(t.http).get('/scim/v2/Users'), client).set('Authorization', `Bearer ${TENANT_A_TOKEN}`)).status).toBe(200);
      }
    });
  });

  describe("the audit trail's address", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ ...env });
    }, TIMEOUTS.appStart);
    afterAll(async () => {
      await t?.close();
    });

    it(`given a create through the proxy, then its event records ${separate ? "the client's address" : "the proxy's address"}`, async () => {
      const created = await from(request(t.http).post('/scim/v2/Users'), CLIENT_1)
        .set('Authorization', `Bearer ${TENANT_A_TOKEN}`)
        .set('Content-Type', SCIM_JSON)
        .set('X-Request-Id', 'through-the-proxy')
        .send(entraUser('proxied@example.com'));
      expect(created.status).toBe(201);
      const rows = (await t.readModel.query(`SELECT metadata FROM events`)) as { metadata: string | Record<string, unknown> }[];
      const metadata = rows.map((row) => (typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata)) as Record<string, unknown>[];
      const addresses = new Set(metadata.filter((m) => m.requestId === 'through-the-proxy').map((m) => m.clientAddress));
      expect([...addresses]).toEqual(separate ? [CLIENT_1] : [expect.stringMatching(/127\.0\.0\.1|::1/)]);
    });
  });
});

describe('what a trusted X-Forwarded-For may put in the audit trail (the attack on issue 20, finding 3)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'true' });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it("given hops that are not addresses, or an IPv4 address mapped into IPv6, then the event records an address: the connection's, or the IPv4 form", async () => {
    const cases: [string, string, RegExp][] = [
      ['<script>alert(1)</script>' + 'A'.repeat(3000), 'markup', /^(127\.0\.0\.1|::1)$/],
      ['ada@example.com, 1.2.3.4', 'an email address', /^(127\.0\.0\.1|::1)$/],
      ['::ffff:10.1.2.3', 'mapped', /^10\.1\.2\.3$/],
    ];
    for (const [forwarded, requestId, expected] of cases) {
      const created = await request(t.http)
        .post('/scim/v2/Users')
        .set('X-Forwarded-For', forwarded)
        .set('Authorization', `Bearer ${TENANT_A_TOKEN}`)
        .set('Content-Type', SCIM_JSON)
        .set('X-Request-Id', requestId.replace(/ /g, '-'))
        .send(entraUser(`${requestId.replace(/ /g, '-')}@example.com`));
      expect(created.status).toBe(201);
      const rows = (await t.readModel.query(`SELECT metadata FROM events`)) as { metadata: string | Record<string, unknown> }[];
      const recorded = rows
        .map((row) => (typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata) as Record<string, unknown>)
        .filter((m) => m.requestId === requestId.replace(/ /g, '-'))
        .map((m) => m.clientAddress);
      expect(recorded.length).toBeGreaterThan(0);
      for (const address of recorded) expect(address).toMatch(expected);
    }
  });
});

describe('TRUST_PROXY is validated at start-up', () => {
  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    [' 10.0.0.0/8 , 2001:db8::/32,loopback ', ['10.0.0.0/8', '2001:db8::/32', 'loopback']],
  ])('given TRUST_PROXY=%j, then it is read as %j', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it('given no TRUST_PROXY, then no proxy is trusted', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
  });

  it.each(['yes', '-1', '1.5', '10.0.0.0/33', '2001:db8::/129', 'proxy.example.com', '10.0.0.1,', '300.1.1.1', '10.0.0.0/8/8'])(
    'given TRUST_PROXY=%j, then the config is refused naming it',
    (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );
});
