import request from 'supertest';
import { comparePositions, EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { ReadModelProjector } from '@scim-ledger/read-model';
import { runCli } from './support/run-cli';
import { E2E_DATABASE, entraUser, freshStorage, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TENANT_B_TOKEN, TestApp } from './support/test-app';
import { builtEntry } from './support/processes';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';
const POISON = 'poison@example.com';

// The CLI runs built (support/processes.ts, builtEntry): built here, under the build's time-out.
beforeAll(() => builtEntry('cli'), TIMEOUTS.build);

/**
 * Issue 15, finding 1(b), through the app: an event the read model cannot
 * take (a database rule here, a too-long folded userName before the bounds
 * fix) no longer halts every tenant. The create answers without waiting out
 * read-your-writes, other tenants' writes show at once, the operator sees
 * the failure, verify reports it, and a retry after the fix applies it.
 */
describe(`a stream set aside by the projector, on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let env: Record<string, string>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const storage = await freshStorage();
    env = { ...storage.env, ADMIN_OPERATOR_TOKEN: OPERATOR };
    drop = storage.drop;
    t = await startTestApp(env);
    // A trigger, not a CHECK constraint: the CLI's schema synchronisation would drop a constraint its entities do not declare.
    if (E2E_DATABASE === 'postgres') {
      await t.readModel.query(
        `CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW."userName" = '${POISON}' THEN RAISE EXCEPTION 'the read model refuses this row' USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$`,
      );
      await t.readModel.query('CREATE TRIGGER refuse_poison BEFORE INSERT ON scim_users FOR EACH ROW EXECUTE FUNCTION refuse_poison()');
    } else {
      await t.readModel.query(
        `CREATE TRIGGER refuse_poison BEFORE INSERT ON scim_users WHEN NEW."userName" = '${POISON}' BEGIN SELECT RAISE(ABORT, 'the read model refuses this row'); END`,
      );
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  const scim = (token: string) => ({
    post: (userName: string) =>
      request(t.http).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', SCIM_JSON).send(entraUser(userName)),
    get: (id: string) => request(t.http).get(`/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`),
    filter: (userName: string) =>
      request(t.http)
        .get('/scim/v2/Users')
        .query({ filter: `userName eq "${userName}"` })
        .set('Authorization', `Bearer ${token}`),
  });
  const operator = (method: 'get' | 'post', url: string) => request(t.http)[method](url).set('Authorization', `Bearer ${OPERATOR}`);

  it(
    'given a create the read model refuses, when other tenants go on writing, then they are read at once, the operator sees the failure, verify reports it and a retry after the fix applies it',
    async () => {
      const poisoned = await scim(TENANT_A_TOKEN).post(POISON);
      expect(poisoned.status).toBe(201);
      // Read-your-writes had what it waits for, not its time-out: the checkpoint moved past the event set aside.
      const [creation] = await t.app.get<EventStore>(EVENT_STORE).readStream(`user-${poisoned.body.id}`);
      expect(comparePositions(await t.app.get(ReadModelProjector).checkpoint(), creation.position)).toBeGreaterThanOrEqual(0);
      expect(
        await scim(TENANT_A_TOKEN)
          .get(poisoned.body.id)
          .then((r) => r.status),
      ).toBe(404);

      const other = await scim(TENANT_B_TOKEN).post('other-tenant@example.com');
      expect(other.status).toBe(201);
      expect((await scim(TENANT_B_TOKEN).filter('other-tenant@example.com')).body.totalResults).toBe(1);

      const listed = await operator('get', '/admin/v1/projection-failures');
      expect(listed.status).toBe(200);
      expect(listed.body).toMatchObject({ totalResults: 1, failures: [{ streamId: `user-${poisoned.body.id}`, revision: 0, eventType: 'UserCreated' }] });
      const tenantView = await request(t.http).get('/admin/v1/projection-failures').set('Authorization', `Bearer ${TENANT_A_TOKEN}`);
      expect(tenantView.status).toBeGreaterThanOrEqual(401);

      const verify = await runCli(env, 'verify');
      expect(verify.code).toBe(1);
      expect(verify.stdout).toContain(`projection failure: user-${poisoned.body.id} at revision 0`);

      await t.readModel.query(E2E_DATABASE === 'postgres' ? 'DROP TRIGGER refuse_poison ON scim_users' : 'DROP TRIGGER refuse_poison');
      const retried = await operator('post', '/admin/v1/projection-failures/retry');
      expect(retried.body).toEqual({ cleared: [`user-${poisoned.body.id}`], failing: [] });
      expect((await scim(TENANT_A_TOKEN).get(poisoned.body.id)).body.userName).toBe(POISON);
      expect((await operator('get', '/admin/v1/projection-failures')).body.totalResults).toBe(0);
    },
    TIMEOUTS.load,
  );
});
