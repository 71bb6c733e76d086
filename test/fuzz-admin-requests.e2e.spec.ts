import fc from 'fast-check';
import request from 'supertest';
import { registeredRoutes } from '../apps/api/src/create-app';
import { FuzzShares } from './support/fuzz-shares';
import { fuzzParameters, fuzzRuns, fuzzTimeout, hostileString, jsonish } from './support/hostile-arbitraries';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, startTestApp, TestApp } from './support/test-app';

const OPERATOR = 'operator-token-0123456789abcdef';
/** Cases over all the admin routes, spread evenly. */
const RUNS = fuzzRuns(1000);
const ADMIN_ROUTE = /^\/admin\/v1\//;
/** What may never be in an answer: a stack frame or a piece of SQL or of a driver's error. */
const INTERNALS =
  /\n\s+at |\.ts:\d+|\b(SELECT|INSERT INTO|UPDATE \w+ SET|QueryFailedError|SQLITE_\w+|syntax error at|duplicate key value|TypeError|ReferenceError)\b/;

interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

/** RFC 9457: every admin error is application/problem+json with a type, a title and the status. */
function problemDetailsProblems(answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.statusCode >= 500) problems.push(`status ${answer.statusCode}`);
  if (INTERNALS.test(answer.body)) problems.push('internals in the answer');
  if (answer.statusCode < 400) return problems;
  if (!String(answer.headers['content-type']).startsWith('application/problem+json')) problems.push(`content-type ${answer.headers['content-type']}`);
  let body: { type?: unknown; title?: unknown; status?: unknown };
  try {
    body = JSON.parse(answer.body);
  } catch {
    return [...problems, 'error body is not JSON'];
  }
  if (typeof body.type !== 'string' || body.type === '') problems.push('type');
  if (typeof body.title !== 'string' || body.title === '') problems.push('title');
  if (body.status !== answer.statusCode) problems.push(`status field ${JSON.stringify(body.status)}`);
  return problems;
}

const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/);
const name = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constant('Fuzzed'));
const quota = fc.record({ amount: fc.integer({ min: 0, max: 1023 }), unit: fc.constantFrom('MB', 'GB', 'TB') });
const email = fc.emailAddress().filter((address) => address.length <= 200);

/**
 * A valid body for each admin write, so the fuzzer gets past validation and
 * reaches the commands. A new admin write route fails the test until it has one.
 */
const VALID_BODIES: Record<string, fc.Arbitrary<unknown> | undefined> = {
  'POST /admin/v1/tenants': fc.record({ id, name }),
  'PATCH /admin/v1/tenants/:tenantId': fc.record({ name }),
  'PUT /admin/v1/tenants/:tenantId/user-management': fc.record(
    { method: fc.constantFrom('scim', 'manual', 'ad_ldap'), deleteScimMappings: fc.boolean() },
    { requiredKeys: ['method'] },
  ),
  'POST /admin/v1/tenants/:tenantId/scim-token': fc.constant({}),
  'POST /admin/v1/projection-failures/retry': fc.constant({}),
  'POST /admin/v1/tenants/:tenantId/api-credentials': fc.record({ name }),
  'POST /admin/v1/tenants/:tenantId/api-credentials/:credentialId/revoke': fc.constant({}),
  'POST /admin/v1/tenants/:tenantId/recovery-credentials': fc.record({ reason: name }),
  'PUT /admin/v1/tenants/:tenantId/notification-contacts': fc.record({
    contacts: fc.array(fc.oneof(fc.constantFrom('ops@acme.example', 'Ada@acme.example'), fc.emailAddress()), { maxLength: 3 }),
  }),
  'POST /admin/v1/tenants/:tenantId/storages': fc.record({ id, name, region: name }),
  'PUT /admin/v1/tenants/:tenantId/storages/:storageId/health': fc.record({ health: fc.constantFrom('healthy', 'unhealthy') }),
  'POST /admin/v1/tenants/:tenantId/profiles': fc.record(
    { id, name, maxUsers: fc.nat(100), storageIds: fc.constant(['main']), autoDeletePreservedAfterDays: fc.option(fc.nat(400)) },
    { requiredKeys: ['id', 'name', 'maxUsers', 'storageIds'] },
  ),
  'PUT /admin/v1/tenants/:tenantId/profiles/:profileId': fc.record({ name, maxUsers: fc.constant(0), storageIds: fc.constant(['main']) }),
  'POST /admin/v1/tenants/:tenantId/scim-mappings': fc.record({
    id,
    name,
    attribute: fc.constantFrom('department', '*'),
    values: fc.constantFrom('Eng', '*', 'a,b'),
    profileId: fc.constant('all'),
    storageId: fc.constant('main'),
    quota,
  }),
  'PUT /admin/v1/tenants/:tenantId/scim-mappings/order': fc.constant({ orderedIds: ['all'] }),
  'PUT /admin/v1/tenants/:tenantId/scim-mappings/:mappingId': fc.record({
    name,
    profileId: fc.constant('all'),
    storageId: fc.constant('main'),
    quota,
    sendActivationEmail: fc.boolean(),
  }),
  'DELETE /admin/v1/tenants/:tenantId/scim-mappings/:mappingId': undefined,
  'POST /admin/v1/tenants/:tenantId/users': fc.record({ userName: email, displayName: name, email }, { requiredKeys: ['userName', 'displayName'] }),
  'POST /admin/v1/tenants/:tenantId/users/:userId/preserve': fc.constant({}),
  'POST /admin/v1/tenants/:tenantId/users/:userId/reactivate': fc.constant({}),
  'DELETE /admin/v1/tenants/:tenantId/users/:userId': undefined,
  'PUT /admin/v1/tenants/:tenantId/licences': fc.record({ activeLicences: fc.constantFrom(0, 1000), preservedLicences: fc.nat(10) }),
  'DELETE /admin/v1/tenants/:tenantId': undefined,
  'POST /admin/v1/tenants/:tenantId/users/:userId/legal-hold': fc.constant({}),
  'DELETE /admin/v1/tenants/:tenantId/users/:userId/legal-hold': undefined,
};

const LEFT_OUT = Symbol('left out');
/** Numbers at the edges of what a column or a Date holds: a 32-bit integer column, a safe integer, days past year 275760. */
const EDGE_NUMBERS = fc.constantFrom(2_147_483_647, 2_147_483_648, 9_007_199_254_740_991, 100_000_000, -1, 0.5, 1e21);

/** The body's own fields, one level into nested objects (`quota.unit`), and a few it does not have. */
function fieldsOf(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return ['x'];
  const own = Object.entries(body).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? [key, ...Object.keys(value).map((inner) => `${key}.${inner}`)] : [key],
  );
  return [...own, 'x', '__proto__', 'constructor'];
}

/** A body broken: a field or two replaced by anything or left out, or any JSON at all. */
function brokenBodyFor(valid: fc.Arbitrary<unknown> | undefined): fc.Arbitrary<unknown> {
  const base = valid ?? fc.constant({});
  const broken = base.chain((body) =>
    fc
      .array(fc.tuple(fc.constantFrom(...fieldsOf(body)), fc.oneof(fc.constant(LEFT_OUT), jsonish, EDGE_NUMBERS)), { minLength: 1, maxLength: 3 })
      .map((changes) => {
        const changed: Record<string, unknown> = typeof body === 'object' && body !== null ? structuredClone(body as Record<string, unknown>) : {};
        for (const [path, value] of changes) {
          const [outer, inner] = path.split('.');
          const target =
            inner === undefined
              ? changed
              : typeof changed[outer] === 'object' && changed[outer] !== null
                ? (changed[outer] as Record<string, unknown>)
                : undefined;
          const key = inner ?? outer;
          if (!target) continue;
          if (value === LEFT_OUT) delete target[key];
          else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
        }
        return changed;
      }),
  );
  return fc.oneof({ weight: 4, arbitrary: broken }, { weight: 1, arbitrary: jsonish });
}

/** Query parameters the admin routes read, each with valid and broken values, and one no route knows. */
const QUERY_VALUES: Record<string, fc.Arbitrary<string>> = {
  startIndex: fc.oneof(fc.integer({ min: -2, max: 5 }).map(String), EDGE_NUMBERS.map(String), hostileString),
  count: fc.oneof(fc.integer({ min: -1, max: 2000 }).map(String), EDGE_NUMBERS.map(String), hostileString),
  from: fc.oneof(fc.constantFrom('2026-01-01T00:00:00Z', '2000-01-01', '2026-02-30T00:00:00Z', '+275760-09-13T00:00:00.001Z'), hostileString),
  to: fc.oneof(fc.constantFrom('2999-01-01T00:00:00Z', '-000001-01-01T00:00:00Z'), hostileString),
  at: fc.oneof(fc.constantFrom('2999-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '+275760-09-13T00:00:00.001Z'), hostileString),
  revision: fc.oneof(fc.nat(5).map(String), fc.constantFrom('-1', '1e300', '9007199254740993'), EDGE_NUMBERS.map(String), hostileString),
  format: fc.oneof(fc.constantFrom('json', 'ndjson', 'csv'), hostileString),
  outcome: fc.oneof(fc.constantFrom('accepted', 'refused'), hostileString),
  status: fc.oneof(fc.constantFrom('Active', 'Preserved'), hostileString),
  q: hostileString,
  userId: hostileString,
  eventType: fc.oneof(fc.constantFrom('UserCreated', 'ProvisioningRefused'), hostileString),
  actorId: hostileString,
  profileId: fc.oneof(fc.constant('all'), hostileString),
  storageId: fc.oneof(fc.constant('main'), hostileString),
  unknown: hostileString,
};

/** Which parameters a route reads, so most generated queries get past the unknown-parameter check. */
function queryKeysOf(url: string): string[] {
  if (url.endsWith('/users')) return ['status', 'profileId', 'storageId', 'q', 'startIndex', 'count'];
  if (url.endsWith('/audit')) return ['from', 'to', 'userId', 'eventType', 'actorId', 'outcome', 'format', 'startIndex', 'count'];
  if (url.endsWith('/history')) return ['startIndex', 'count'];
  if (url.endsWith('/state')) return ['at', 'revision'];
  return [];
}

/** Values each parameter may take: the valid half of QUERY_VALUES. */
const VALID_QUERY_VALUES: Record<string, fc.Arbitrary<string>> = {
  startIndex: fc.integer({ min: 1, max: 5 }).map(String),
  count: fc.integer({ min: 0, max: 100 }).map(String),
  from: fc.constantFrom('2026-01-01T00:00:00Z', '2000-01-01'),
  to: fc.constant('2999-01-01T00:00:00Z'),
  at: fc.constant('2999-01-01T00:00:00Z'),
  revision: fc.nat(2).map(String),
  format: fc.constantFrom('json', 'ndjson', 'csv'),
  outcome: fc.constantFrom('accepted', 'refused'),
  status: fc.constantFrom('Active', 'Preserved'),
  q: fc.constantFrom('ada', 'fuzz', ''),
  userId: fc.constant('nobody'),
  eventType: fc.constantFrom('UserCreated', 'ProvisioningRefused'),
  actorId: fc.constant('nobody'),
  profileId: fc.constant('all'),
  storageId: fc.constant('main'),
};

/** Up to three of the parameters the route reads, each valid. */
function validQueryFor(url: string): fc.Arbitrary<Record<string, string>> {
  const own = queryKeysOf(url);
  if (own.length === 0) return fc.constant({});
  return fc
    .array(fc.oneof(...own.map((key) => VALID_QUERY_VALUES[key].map((value) => [key, value] as const))), { maxLength: 3 })
    .map((pairs) => Object.fromEntries(pairs));
}

/** Up to three parameters: mostly ones the route reads, now and then any. */
function queryFor(url: string): fc.Arbitrary<Record<string, string>> {
  const own = queryKeysOf(url);
  const pair = (key: string) => QUERY_VALUES[key].map((value) => [key, value] as const);
  const anyKey = fc.oneof(...Object.keys(QUERY_VALUES).map(pair));
  const key = own.length === 0 ? anyKey : fc.oneof({ weight: 6, arbitrary: fc.oneof(...own.map(pair)) }, { weight: 1, arbitrary: anyKey });
  return fc.array(key, { maxLength: 3 }).map((pairs) => Object.fromEntries(pairs));
}

/** Routes only the operator may call; the others are a tenant's. */
const OPERATOR_ROUTES = new Set([
  'POST /admin/v1/tenants',
  'GET /admin/v1/projection-failures',
  'POST /admin/v1/projection-failures/retry',
  'GET /admin/v1/tenants',
  'DELETE /admin/v1/tenants/:tenantId',
  'PUT /admin/v1/tenants/:tenantId/licences',
  'PUT /admin/v1/tenants/:tenantId/storages/:storageId/health',
  'POST /admin/v1/tenants/:tenantId/recovery-credentials',
]);

const CONTENT_TYPES = ['application/json', 'application/json', 'application/json', 'application/scim+json', 'text/plain', 'application/xml', ''];

describe(`every admin route under generated input on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let tenantCredential: string;
  let spareCredentialId: string;
  let userIds: string[];
  let groupIds: string[];

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR, RATE_LIMIT_MAX: '0', AUTH_FAILURE_LIMIT: '0' });
    const { admin, token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'fuzz', name: 'Fuzz' });
    await scimTenantPlacingEveryone(t, OPERATOR, { id: 'other', name: 'Other' });
    tenantCredential = `Basic ${Buffer.from(`${admin.clientId}:${admin.clientSecret}`).toString('base64')}`;
    const as = (method: 'post', url: string) => request(t.http)[method](`/admin/v1/tenants/fuzz${url}`).set('Authorization', tenantCredential);
    // A credential the fuzzer may revoke; the one it calls with is never in its pool.
    spareCredentialId = (await as('post', '/api-credentials').send({ name: 'spare' })).body.credentialId;
    userIds = [];
    for (const userName of ['ada@fuzz.test', 'bob@fuzz.test', 'cy@fuzz.test']) {
      userIds.push((await as('post', '/users').send({ userName, displayName: userName })).body.id);
    }
    // A group the IdP pushed, with those users: the admin's group routes read it (issue 19, item 5).
    const group = await request(t.http)
      .post('/scim/v2/Groups')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/scim+json')
      .send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Fuzzed', members: userIds.map((value) => ({ value })) });
    expect(group.status).toBe(201);
    groupIds = [group.body.id];
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  async function eventCount(): Promise<number> {
    // A refusal is recorded for the admin (rule S2); it changes nothing else.
    const [events] = await t.readModel.query("SELECT COUNT(*) AS n FROM events WHERE type <> 'ProvisioningRefused'");
    return Number(events.n);
  }

  const hostileId = hostileString.filter((s) => s.length > 0).map((s) => s.replace(/[\ud800-\udfff]/g, '?'));
  const knownValues = (param: string, route: { method: string; url: string }): string[] => {
    const known: Record<string, () => string[]> = {
      // The fuzz tenant is never offered to the tenant deletion, or every later case would be a 404.
      tenantId: () => (route.method === 'DELETE' && route.url === '/admin/v1/tenants/:tenantId' ? ['other'] : ['fuzz', 'fuzz', 'fuzz', 'other']),
      userId: () => userIds,
      credentialId: () => [spareCredentialId],
      storageId: () => ['main'],
      profileId: () => ['all'],
      mappingId: () => ['all'],
      groupId: () => groupIds,
    };
    if (!known[param]) throw new Error(`route parameter :${param} has no values in this test: add some`);
    return known[param]();
  };

  /**
   * A request to the route with its junk at one level (issue 17, item 3): none, or one of its ids, its query,
   * its body, its raw body or its credential; the other parts are as an admin client sends them, so most
   * cases get past authorisation and validation to the commands.
   */
  function requestsFor(route: { method: string; url: string }) {
    const params = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]);
    const withBody = route.method !== 'GET' && route.method !== 'DELETE';
    const operatorRoute = OPERATOR_ROUTES.has(`${route.method} ${route.url}`);
    const validBody = withBody ? (VALID_BODIES[`${route.method} ${route.url}`] ?? fc.constant({})) : fc.constant(undefined);
    const junkLevels = ['none', 'none', 'none', 'query', 'credential', ...(params.length > 0 ? ['id'] : []), ...(withBody ? ['body', 'raw body'] : [])];
    return fc
      .constantFrom(...junkLevels)
      .chain((junk) =>
        fc.record({
          junk: fc.constant(junk),
          values: fc.tuple(...params.map((param) => fc.constantFrom(...knownValues(param, route)))),
          junkId: fc.tuple(fc.nat(Math.max(0, params.length - 1)), fc.oneof({ weight: 1, arbitrary: fc.uuid() }, { weight: 2, arbitrary: hostileId })),
          query: junk === 'query' ? queryFor(route.url) : validQueryFor(route.url),
          body: junk === 'body' ? brokenBodyFor(VALID_BODIES[`${route.method} ${route.url}`]) : validBody,
          rawBody: junk === 'raw body' ? fc.tuple(hostileString, fc.constantFrom(...CONTENT_TYPES)) : fc.constant(null),
          authorization:
            junk === 'credential'
              ? fc.constantFrom(operatorRoute ? 'tenant' : 'operator', 'Bearer nonsense', 'Basic !!!', '')
              : fc.constant(operatorRoute ? 'operator' : 'tenant'),
        }),
      )
      .map(({ junk, values, junkId, query: q, body, rawBody, authorization }) => {
        if (junk === 'id') values[junkId[0]] = junkId[1];
        let i = 0;
        const path = route.url.replace(/:(\w+)/g, () => encodeURIComponent(values[i++]));
        const search = new URLSearchParams(q as Record<string, string>).toString();
        const payload = rawBody ? rawBody[0] : body === undefined ? undefined : JSON.stringify(body);
        const contentType = rawBody ? rawBody[1] : 'application/json';
        const credential = authorization === 'operator' ? `Bearer ${OPERATOR}` : authorization === 'tenant' ? tenantCredential : authorization;
        return { junk, method: route.method, url: search ? `${path}?${search}` : path, payload, contentType, authorization: credential };
      });
  }

  it(
    'given generated ids, query strings and bodies on every admin route, with the operator and a tenant credential, then no 5xx, every error RFC 9457 problem details, and a refused request changes nothing',
    async () => {
      const routes = registeredRoutes(t.app).filter((r) => ADMIN_ROUTE.test(r.url));
      expect(routes.length).toBeGreaterThan(30);
      expect(routes.filter((r) => r.method !== 'GET' && !(`${r.method} ${r.url}` in VALID_BODIES))).toEqual([]);
      const statuses = new Map<number, number>();
      const shares = new FuzzShares(`fuzz-admin-requests (${E2E_DATABASE})`);
      const reached = new Map<string, Set<number>>();
      const perRoute = Math.max(4, Math.ceil(RUNS / routes.length));
      for (const route of routes) {
        await fc.assert(
          fc.asyncProperty(requestsFor(route), async (req) => {
            const before = await eventCount();
            const response = await t.app.inject({
              method: req.method as 'GET',
              url: req.url,
              headers: { authorization: req.authorization, ...(req.payload !== undefined && req.contentType ? { 'content-type': req.contentType } : {}) },
              ...(req.payload !== undefined ? { payload: req.payload } : {}),
            });
            const answer = { statusCode: response.statusCode, headers: response.headers, body: response.body };
            statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
            const status = answer.statusCode;
            shares.count(
              status < 300 && '2xx',
              status >= 400 && status < 500 && '4xx',
              status >= 500 && '5xx',
              status < 300 && req.junk === 'none' && '2xx of the cases without junk',
              `junk: ${req.junk}`,
            );
            reached.set(`${route.method} ${route.url}`, (reached.get(`${route.method} ${route.url}`) ?? new Set()).add(answer.statusCode));
            expect([req.method, req.url.slice(0, 100), answer.statusCode, problemDetailsProblems(answer)]).toEqual([
              req.method,
              req.url.slice(0, 100),
              answer.statusCode,
              [],
            ]);
            if (answer.statusCode >= 400) expect(await eventCount()).toBe(before);
          }),
          fuzzParameters(perRoute),
        );
      }
      process.stdout.write(`fuzz-admin-requests (${E2E_DATABASE}) statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}\n`);
      const routeShares = new FuzzShares(`fuzz-admin-requests (${E2E_DATABASE}, routes)`, 10);
      const never2xx = routes.map((route) => `${route.method} ${route.url}`).filter((route) => ![...(reached.get(route) ?? [])].some((status) => status < 300));
      for (const route of routes) routeShares.count(!never2xx.includes(`${route.method} ${route.url}`) && 'answered 2xx at least once');
      process.stdout.write(
        `fuzz-admin-requests (${E2E_DATABASE}) routes that never answered 2xx: ${never2xx.map((route) => `${route} ${JSON.stringify([...(reached.get(route) ?? [])].sort())}`).join('; ')}\n`,
      );
      // The generator reaches past validation on most routes: requests succeed, and many are refused.
      expect([
        ...shares.report({ '2xx': 0.3, '4xx': 0.3, '2xx of the cases without junk': 0.2 }),
        ...routeShares.report({ 'answered 2xx at least once': 0.8 }),
      ]).toEqual([]);
      expect(shares.share('5xx')).toBe(0);
    },
    fuzzTimeout(RUNS, 50),
  );
});
