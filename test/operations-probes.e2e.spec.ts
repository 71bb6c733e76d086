import request from 'supertest';
import { ReadModelProjector } from '@scim-ledger/read-model';
import { createFreshPostgresDatabase, FreshPostgresDatabase } from '../libs/event-store/src/postgres/fresh-postgres-database';
import { eventually } from './support/polling';
import { CuttableProxy } from './support/tcp-proxy';
import { TIMEOUTS } from './support/timeouts';
import { TravellingClock } from './support/travelling-clock';
import { startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';

const READY_CHECKS = ['eventStore', 'readModel', 'projector', 'rebuild'];

/**
 * Issue 20, item 1: the probes an orchestrator and a load balancer use, in
 * terminus's shape, without a credential, never rate limited or logged; and
 * paths outside both APIs answer plain 404s, not SCIM errors.
 */
describe('health probes', () => {
  let t: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info' }, undefined, {
      logDestination: { write: (line: string) => void lines.push(line) },
    });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it('given a running api, when the liveness probe is asked without a credential, then 200 in terminus shape as plain JSON', async () => {
    const answer = await request(t.http).get('/health/live');
    expect({ status: answer.status, type: answer.headers['content-type'], body: answer.body }).toEqual({
      status: 200,
      type: expect.stringMatching(/^application\/json/),
      body: { status: 'ok', info: {}, error: {}, details: {} },
    });
  });

  it('given the databases answer and the read model holds every event, when the readiness probe is asked, then 200 naming each check up', async () => {
    const answer = await request(t.http).get('/health/ready');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'ok', error: {} });
    expect(Object.keys(answer.body.info).sort()).toEqual([...READY_CHECKS].sort());
    for (const check of READY_CHECKS) expect(answer.body.info[check].status).toBe('up');
    expect(answer.body.info.projector).toMatchObject({ lagMs: 0, lagEvents: 0 });
  });

  it.each(['/', '/foo', '/health', '/insync', '/scimx'])('given no route at %s, when it is asked, then a plain 404, not a SCIM error', async (path) => {
    const answer = await request(t.http).get(path);
    expect({ status: answer.status, type: answer.headers['content-type'], body: answer.body }).toEqual({
      status: 404,
      type: expect.stringMatching(/^application\/json/),
      body: { statusCode: 404, error: 'Not Found', message: expect.any(String) },
    });
  });

  it('given no route under /scim, when it is asked with a token, then still a SCIM 404', async () => {
    const answer = await request(t.http).get('/scim/v2/Nothing').set('Authorization', `Bearer ${TENANT_A_TOKEN}`);
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(answer.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  });

  it('given a blue/green rebuild switching over (its claim fresh), when the readiness probe is asked, then 503 naming the rebuild; once its claim is gone, 200', async () => {
    const claim = 'read_model_rebuild_claim';
    await t.readModel.query(`CREATE TABLE IF NOT EXISTS ${claim} (id integer PRIMARY KEY, owner varchar(36) NOT NULL, heartbeat_at varchar(32) NOT NULL)`);
    const now = new Date().toISOString();
    await t.readModel.query(`INSERT INTO ${claim} (id, owner, heartbeat_at) VALUES (1, 'rebuild-x', '${now}'), (2, 'rebuild-x', '${now}')`);
    try {
      const during = await request(t.http).get('/health/ready');
      expect(during.status).toBe(503);
      expect(during.body).toMatchObject({ status: 'error', error: { rebuild: { status: 'down', switching: true } } });
      expect(Object.keys(during.body.error)).toEqual(['rebuild']);
    } finally {
      await t.readModel.query(`DELETE FROM ${claim}`);
    }
    expect((await request(t.http).get('/health/ready')).status).toBe(200);
  });
});

describe('probes under the rate limits', () => {
  let t: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info', RATE_LIMIT_MAX: '3', AUTH_FAILURE_LIMIT: '1' }, undefined, {
      logDestination: { write: (line: string) => void lines.push(line) },
    });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it('given a rate limit of 3 and a failed-authentication limit of 1 spent, when the probes are asked ten times from that address, then every answer is 200 and none is logged', async () => {
    expect((await request(t.http).get('/scim/v2/Users').set('Authorization', 'Bearer wrong-token-0123456789abcdef')).status).toBe(401);
    expect((await request(t.http).get('/scim/v2/Users')).status).toBe(429);
    for (let i = 0; i < 5; i++) {
      expect((await request(t.http).get('/health/live')).status).toBe(200);
      expect((await request(t.http).get('/health/ready')).status).toBe(200);
    }
    await eventually(
      async () => lines.join('\n'),
      (text) => text.includes('/scim/v2/Users'),
      TIMEOUTS.background,
      'the SCIM requests logged',
    );
    expect(lines.filter((line) => line.includes('/health/'))).toEqual([]);
  });
});

describe('readiness and the projector lag', () => {
  const clock = new TravellingClock();
  let t: TestApp;

  beforeAll(async () => {
    // PROJECTOR=external with no projector running: what the api appends stays unprojected until the test applies it.
    t = await startTestApp({ PROJECTOR: 'external', READ_YOUR_WRITES_TIMEOUT_MS: '0', READY_MAX_PROJECTOR_LAG_MS: '30000' }, clock);
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
  });

  it('given events the read model does not hold for longer than READY_MAX_PROJECTOR_LAG_MS, then 503 naming the projector; once projected, 200', async () => {
    await t.bootstrap();
    const fresh = await request(t.http).get('/health/ready');
    expect(fresh.status).toBe(200);
    expect(fresh.body.info.projector.lagEvents).toBeGreaterThan(0);
    clock.travel(31_000);
    try {
      const behind = await request(t.http).get('/health/ready');
      expect(behind.status).toBe(503);
      expect(Object.keys(behind.body.error)).toEqual(['projector']);
      expect(behind.body.error.projector).toMatchObject({ status: 'down', maxLagMs: 30000, lagEvents: expect.any(Number) });
      expect(behind.body.error.projector.lagMs).toBeGreaterThan(30_000);
      await t.app.get(ReadModelProjector).catchUp();
      const caughtUp = await request(t.http).get('/health/ready');
      expect(caughtUp.status).toBe(200);
      expect(caughtUp.body.info.projector).toMatchObject({ lagMs: 0, lagEvents: 0 });
    } finally {
      clock.backToNow();
    }
  });
});

describe('readiness when PostgreSQL goes away and comes back', () => {
  let database: FreshPostgresDatabase;
  let proxy: CuttableProxy;
  let t: TestApp;

  beforeAll(async () => {
    database = await createFreshPostgresDatabase('scim_ledger_ready');
    const direct = new URL(database.url);
    proxy = await new CuttableProxy(direct.hostname, Number(direct.port || 5432)).start();
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    t = await startTestApp({ EVENT_STORE: 'postgres', READ_MODEL: 'postgres', DATABASE_URL: viaProxy.toString() });
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
    await proxy?.stop();
    await database?.drop();
  });

  it('given PostgreSQL cut off, then readiness is 503 naming the event store and the read model while liveness stays 200; once it is back, readiness is 200 again', async () => {
    expect((await request(t.http).get('/health/ready')).status).toBe(200);
    proxy.cut();
    const cut = await request(t.http).get('/health/ready');
    expect(cut.status).toBe(503);
    expect(cut.body).toMatchObject({
      status: 'error',
      error: { eventStore: { status: 'down', backend: 'postgres' }, readModel: { status: 'down', backend: 'postgres' } },
    });
    expect(JSON.stringify(cut.body)).not.toMatch(/ECONN|127\.0\.0\.1|SELECT|terminated/);
    expect((await request(t.http).get('/health/live')).status).toBe(200);
    proxy.restore();
    const back = await eventually(
      () => request(t.http).get('/health/ready'),
      (answer) => answer.status === 200,
      TIMEOUTS.background,
      'readiness back to 200',
      200,
    );
    expect(back.body.status).toBe('ok');
  });
});
