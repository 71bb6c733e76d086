import request from 'supertest';
import { SCIM_ERROR_SCHEMA } from '@scim-ledger/scim';
import { createFreshPostgresDatabase, FreshPostgresDatabase } from '../libs/event-store/src/postgres/fresh-postgres-database';
import { eventually } from './support/polling';
import { CuttableProxy } from './support/tcp-proxy';
import { entraUser, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * Issue 8, item 3: PostgreSQL (events and read model) goes away under a
 * running api. Every SCIM call gets 503 with Retry-After in the SCIM Error
 * form, nothing refused is stored, and once the database is back the same
 * process serves again, without a restart.
 */
describe('PostgreSQL going away and coming back', () => {
  let database: FreshPostgresDatabase;
  let proxy: CuttableProxy;
  let t: TestApp;

  beforeAll(async () => {
    database = await createFreshPostgresDatabase('scim_ledger_outage');
    const direct = new URL(database.url);
    proxy = await new CuttableProxy(direct.hostname, Number(direct.port || 5432)).start();
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    t = await startTestApp({
      EVENT_STORE: 'postgres',
      READ_MODEL: 'postgres',
      DATABASE_URL: viaProxy.toString(),
      RATE_LIMIT_MAX: '0',
      READ_YOUR_WRITES_TIMEOUT_MS: '1000',
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.stop();
    await database?.drop();
  });

  const scim = (call: request.Test, requestId: string) =>
    call.set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON).set('X-Request-Id', requestId);

  it('given the database cut off, when the IdP reads and writes, then 503 with Retry-After as SCIM errors; when it is back, the same process serves again and kept nothing refused', async () => {
    const created = await scim(request(t.http).post('/scim/v2/Users'), 'before-outage').send(entraUser('kept@example.com'));
    expect(created.status).toBe(201);
    const id = created.body.id;

    proxy.cut();
    const during = [
      await scim(request(t.http).get(`/scim/v2/Users/${id}`), 'during-get'),
      await scim(request(t.http).get('/scim/v2/Users?filter=userName%20eq%20%22kept@example.com%22'), 'during-list'),
      await scim(request(t.http).post('/scim/v2/Users'), 'during-create').send(entraUser('lost@example.com')),
      await scim(request(t.http).patch(`/scim/v2/Users/${id}`), 'during-patch').send({
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'displayName', value: 'Never' }],
      }),
      await scim(request(t.http).delete(`/scim/v2/Users/${id}`), 'during-delete'),
    ];
    for (const answer of during) {
      expect({ status: answer.status, body: answer.body, retryAfter: Number(answer.headers['retry-after']) }).toEqual({
        status: 503,
        body: { schemas: [SCIM_ERROR_SCHEMA], status: '503', detail: expect.any(String) },
        retryAfter: expect.any(Number),
      });
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.stringify(answer.body)).not.toMatch(/ECONN|terminated|SELECT|INSERT|at \//);
    }

    proxy.restore();
    const back = await eventually(
      () => scim(request(t.http).get(`/scim/v2/Users/${id}`), 'after-get'),
      (answer) => answer.status === 200,
      15_000,
      'the user readable again',
      200,
    );
    expect(back.body).toMatchObject({ userName: 'kept@example.com', displayName: 'Display kept@example.com', active: true, meta: { version: 'W/"0"' } });
    const write = await scim(request(t.http).patch(`/scim/v2/Users/${id}`), 'after-patch').send({
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'displayName', value: 'After' }],
    });
    expect(write.status).toBe(200);
    const stored = (await t.readModel.query(`SELECT metadata->>'requestId' AS id FROM events WHERE metadata->>'requestId' LIKE 'during-%'`)) as unknown[];
    expect(stored).toEqual([]);
    const lost = await scim(request(t.http).get('/scim/v2/Users?filter=userName%20eq%20%22lost@example.com%22'), 'after-list');
    expect(lost.body.totalResults).toBe(0);
  }, 60_000);
});
