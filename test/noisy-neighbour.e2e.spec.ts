import request from 'supertest';
import { SCIM_ERROR_SCHEMA } from '@scim-ledger/scim';
import { ScimUsersReadModel } from '../apps/api/src/application/reading/scim-users.read-model';
import { QueryTimedOut } from '../apps/api/src/application/reading/read-budget';
import { ExpensiveReads } from '../apps/api/src/application/reading/expensive-reads';
import { until } from './support/polling';
import { createdTenant } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TENANT_B_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';

/**
 * Issue 15, finding 3: one tenant's filters stalled every tenant. A filter of
 * ~150 `co` terms held the one JavaScript thread (SQLite) or the pool
 * (PostgreSQL) while another tenant's `userName eq` waited seconds. Speed is
 * proven by the bench's noisy-neighbour figure; here, what each request is
 * answered: the flood is refused (400 over the budget, 429 beyond the
 * tenant's share), the other tenant is served.
 */
const OPERATOR = 'operator-token-0123456789abcdef';

describe(`a tenant flooding expensive filters on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  const RUNNING_PER_TENANT = 1;
  const WAITING_PER_TENANT = 2;

  beforeAll(async () => {
    t = await startTestApp({
      SCIM_EXPENSIVE_READS_PER_TENANT: String(RUNNING_PER_TENANT),
      SCIM_EXPENSIVE_READ_QUEUE_PER_TENANT: String(WAITING_PER_TENANT),
      SCIM_EXPENSIVE_READS_TOTAL: '2',
      ADMIN_OPERATOR_TOKEN: OPERATOR,
    });
    for (const [token, prefix] of [
      [TENANT_A_TOKEN, 'flood'],
      [TENANT_B_TOKEN, 'quiet'],
    ] as const) {
      for (let i = 0; i < 5; i++) {
        const created = await request(t.http)
          .post('/scim/v2/Users')
          .set('Authorization', `Bearer ${token}`)
          .set('Content-Type', SCIM_JSON)
          .send(entraUser(`${prefix}${i}@example.com`));
        expect(created.status).toBe(201);
      }
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const list = (token: string, filter: string) =>
    request(t.http)
      .get(`/scim/v2/Users?filter=${encodeURIComponent(filter)}`)
      .set('Authorization', `Bearer ${token}`);
  const manyContains = Array.from({ length: 150 }, (_, i) => `displayName co "x${i}"`).join(' or ');

  it('given a filter of 150 co terms, when listed, then 400 invalidFilter naming the limit', async () => {
    const response = await list(TENANT_A_TOKEN, manyContains);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '400', scimType: 'invalidFilter' });
    expect(response.body.detail).toMatch(/at most \d+/);
  });

  it('given a filter over the budget, when listed under either base path, then 400 invalidFilter before anything else of the request, its credential too', async () => {
    for (const base of ['/scim/v2', '/insync/scim']) {
      const anonymous = await request(t.http).get(`${base}/Users?filter=${encodeURIComponent(manyContains)}`);
      expect({ base, status: anonymous.status, scimType: anonymous.body.scimType, requestId: typeof anonymous.headers['x-request-id'] }).toEqual({
        base,
        status: 400,
        scimType: 'invalidFilter',
        requestId: 'string',
      });
    }
    // Within the budget, the credential is checked first as before.
    expect((await request(t.http).get(`/scim/v2/Users?filter=${encodeURIComponent('userName eq "x"')}`)).status).toBe(401);
  });

  it('given a tenant sending 20 filters of 150 co terms at once, when another tenant looks users up meanwhile, then the flood gets 400 and every lookup 200', async () => {
    const flood = Array.from({ length: 20 }, () => list(TENANT_A_TOKEN, manyContains).then((r) => r.status));
    const lookups = Array.from({ length: 10 }, (_, i) =>
      list(TENANT_B_TOKEN, `userName eq "quiet${i % 5}@example.com"`).then((r) => [r.status, r.body.totalResults]),
    );
    expect(await Promise.all(lookups)).toEqual(Array.from({ length: 10 }, () => [200, 1]));
    expect(new Set(await Promise.all(flood))).toEqual(new Set([400]));
  });

  it('given a tenant whose expensive reads are all in flight, when it sends more, then those beyond its queue get 429 with Retry-After while the other tenant is served', async () => {
    const readModel = t.app.get(ScimUsersReadModel);
    const page = readModel.page.bind(readModel);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let heldInFlight = 0;
    // The flooding tenant's reads stay in the database until released: what a slow filter does, without timing.
    const spy = jest.spyOn(readModel, 'page').mockImplementation(async (tenantId, pageRequest) => {
      if (tenantId === 'tenant-a') {
        heldInFlight++;
        await released;
      }
      return page(tenantId, pageRequest);
    });
    try {
      const sent = 8;
      const answers: Array<{ status: number; retryAfter?: string; body: Record<string, unknown> }> = [];
      const flood = Array.from({ length: sent }, () =>
        list(TENANT_A_TOKEN, 'displayName co "flood"').then((r) => {
          answers.push({ status: r.status, retryAfter: r.headers['retry-after'], body: r.body });
        }),
      );
      const refusedExpected = sent - RUNNING_PER_TENANT - WAITING_PER_TENANT;
      // The refusals come back while the admitted reads are held: code that refused nothing fails here, by name.
      await until(async () => answers.length >= refusedExpected, TIMEOUTS.background, `${refusedExpected} of the flood's reads refused while the others run`);

      const lookup = await list(TENANT_B_TOKEN, 'userName eq "quiet1@example.com"');
      expect(lookup.status).toBe(200);
      expect(lookup.body.totalResults).toBe(1);
      const othersExpensive = await list(TENANT_B_TOKEN, 'displayName co "quiet"');
      expect(othersExpensive.status).toBe(200);
      expect(othersExpensive.body.totalResults).toBe(5);

      release();
      await Promise.all(flood);
      const refused = answers.filter((a) => a.status === 429);
      expect(refused).toHaveLength(refusedExpected);
      for (const answer of refused) {
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(answer.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '429' });
        expect(answer.body.detail).toMatch(/at most 1 .*2/);
      }
      expect(answers.filter((a) => a.status === 200)).toHaveLength(RUNNING_PER_TENANT + WAITING_PER_TENANT);
      expect(heldInFlight).toBe(RUNNING_PER_TENANT + WAITING_PER_TENANT);
    } finally {
      release();
      spy.mockRestore();
    }
  });

  it('given the flooding tenant, when it looks a user up by userName, then it is answered at once: an indexed lookup is not an expensive read', async () => {
    const readModel = t.app.get(ScimUsersReadModel);
    const page = readModel.page.bind(readModel);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const spy = jest.spyOn(readModel, 'page').mockImplementation(async (tenantId, pageRequest) => {
      if (tenantId === 'tenant-a' && pageRequest.filter?.includes(' co ')) await released;
      return page(tenantId, pageRequest);
    });
    try {
      const held = Array.from({ length: RUNNING_PER_TENANT + WAITING_PER_TENANT }, () => list(TENANT_A_TOKEN, 'displayName co "flood"'));
      const lookup = await list(TENANT_A_TOKEN, 'userName eq "flood2@example.com"');
      expect(lookup.status).toBe(200);
      expect(lookup.body.totalResults).toBe(1);
      release();
      expect((await Promise.all(held)).map((r) => r.status)).toEqual(held.map(() => 200));
    } finally {
      release();
      spy.mockRestore();
    }
  });

  it('given an expensive read cancelled at its time budget, when answered, then 503 with Retry-After and a SCIM Error, never 500', async () => {
    const readModel = t.app.get(ScimUsersReadModel);
    const spy = jest.spyOn(readModel, 'page').mockRejectedValue(new QueryTimedOut(2000));
    try {
      const response = await list(TENANT_A_TOKEN, 'displayName co "flood"');
      expect(response.status).toBe(503);
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(response.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: '503', detail: expect.stringContaining('2000 ms') });
    } finally {
      spy.mockRestore();
    }
  });
  it("given a tenant whose expensive reads are all taken, when its admin exports the audit trail, searches users or reads a user's history or state, then 429 problem details while another tenant's lookups are served (found by the attack on issue 15)", async () => {
    const { clientId, clientSecret } = await createdTenant(t, OPERATOR, { id: 'exporter', name: 'Exporter' });
    const user = await request(t.http)
      .post('/admin/v1/tenants/exporter/users')
      .auth(clientId, clientSecret)
      .send({ userName: 'exported@example.com', displayName: 'Exported' });
    expect(user.status).toBe(201);
    const reads = t.app.get(ExpensiveReads);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const places = Array.from({ length: RUNNING_PER_TENANT + WAITING_PER_TENANT }, () => reads.run('exporter', () => held));
    try {
      // A user's history and state fold its whole stream, which the tenant can make as long as it likes (found by the fourth attack).
      for (const url of [
        '/admin/v1/tenants/exporter/audit?format=csv',
        '/admin/v1/tenants/exporter/audit',
        '/admin/v1/tenants/exporter/users?q=x',
        `/admin/v1/tenants/exporter/users/${user.body.id}/history`,
        `/admin/v1/tenants/exporter/users/${user.body.id}/state?revision=0`,
      ]) {
        const refused = await request(t.http).get(url).auth(clientId, clientSecret);
        expect({ url, status: refused.status, type: refused.headers['content-type'], retryAfter: refused.headers['retry-after'] }).toEqual({
          url,
          status: 429,
          type: expect.stringContaining('application/problem+json'),
          retryAfter: '1',
        });
      }
      expect((await list(TENANT_B_TOKEN, 'userName eq "quiet0@example.com"')).body.totalResults).toBe(1);
    } finally {
      release();
      await Promise.all(places);
    }
    expect((await request(t.http).get('/admin/v1/tenants/exporter/audit?format=csv').auth(clientId, clientSecret)).status).toBe(200);
  });
});

/**
 * The admin's user search reads the tenant's rows as a substring filter does:
 * it ran on the event loop on SQLite and without a statement time-out on
 * PostgreSQL, outside SCIM_QUERY_TIMEOUT_MS (left open by the first round on
 * issue 15). It is an expensive read like the SCIM list's: off the event loop,
 * within the budget, 503 past it.
 */
describe(`an admin's user search past its time budget on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let admin: { clientId: string; clientSecret: string };

  beforeAll(async () => {
    // On SQLite a read worker's first statement waits for the worker to start, far longer than 1 ms: the
    // budget is spent before the statement runs. On PostgreSQL a lock held by another session does the same.
    // One read worker: each statement past the budget replaces it with a fresh one, which the next statement waits for too.
    t = await startTestApp({ ADMIN_OPERATOR_TOKEN: OPERATOR, SCIM_QUERY_TIMEOUT_MS: E2E_DATABASE === 'postgres' ? '300' : '1', SQLITE_READ_WORKERS: '1' });
    admin = await createdTenant(t, OPERATOR, { id: 'searcher', name: 'Searcher' });
    const created = await request(t.http)
      .post('/admin/v1/tenants/searcher/users')
      .auth(admin.clientId, admin.clientSecret)
      .send({ userName: 'searched@example.com', displayName: 'Searched' });
    expect(created.status).toBe(201);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  // The audit feed and its exports too: on SQLite they ran on the event loop, where the per-tenant limit never saw
  // two in flight (found by the fourth attack on issue 15).
  it.each(['/users?q=searched', '/audit', '/audit?format=ndjson', '/audit?format=csv'])(
    'given a read of %s that cannot finish within SCIM_QUERY_TIMEOUT_MS, when the admin reads, then 503 problem details with Retry-After',
    async (path) => {
      const blocker = t.readModel.createQueryRunner();
      await blocker.connect();
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        if (blocker.isTransactionActive) await blocker.rollbackTransaction();
        await blocker.release();
      };
      try {
        if (E2E_DATABASE === 'postgres') {
          await blocker.startTransaction();
          await blocker.query('LOCK TABLE scim_users, audit_trail IN ACCESS EXCLUSIVE MODE');
        }
        const searched = request(t.http)
          .get(`/admin/v1/tenants/searcher${path}`)
          .auth(admin.clientId, admin.clientSecret)
          .then((r) => r);
        // A search that waits for the lock is let through after 3 s, so that code without the budget fails on its 200.
        const letThrough = setTimeout(() => void release(), 3000);
        const response = await searched;
        clearTimeout(letThrough);
        expect({ status: response.status, type: response.headers['content-type'], retryAfter: Number(response.headers['retry-after']) }).toEqual({
          status: 503,
          type: expect.stringContaining('application/problem+json'),
          retryAfter: expect.any(Number),
        });
        expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(response.body.detail).toContain('budget');
      } finally {
        await release();
      }
    },
    15_000,
  );
});
