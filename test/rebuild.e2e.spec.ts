import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import { eventMetadata, personalFieldsOf, UserEvent, userStreamId } from '@scim-ledger/domain';
import { EventStore, openEventStore } from '@scim-ledger/event-store';
import { claimLiveAddresses, ScimUserRow } from '@scim-ledger/read-model';
import { E2E_DATABASE, entraUser, freshStorage, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { until } from './support/polling';
import { builtEntry } from './support/processes';
import { TIMEOUTS } from './support/timeouts';

const ROOT = join(__dirname, '..');
const SEEDED = 400;

/** Issue 6: `rebuild` rebuilds into fresh tables while the running api keeps serving, then switches over. */
describe(`CLI rebuild under a serving api on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let store: EventStore;

  let cliEntry: string;
  beforeAll(async () => {
    cliEntry = await builtEntry('cli');
  }, TIMEOUTS.build);
  beforeAll(async () => {
    const storage = await freshStorage();
    env = storage.env;
    drop = storage.drop;
    t = await startTestApp(env);
    store = await openEventStore(t.config.eventStore, personalFieldsOf);
    for (let i = 0; i < SEEDED; i++) {
      const userId = randomUUID();
      const metadata = eventMetadata(
        {
          tenantId: 'tenant-a',
          actor: { kind: 'scim-token', id: 'tok' },
          requestId: `seed-${i}`,
          userAgent: 'test',
          clientAddress: '127.0.0.1',
          now: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        },
        2,
      );
      const created: UserEvent = {
        type: 'UserCreated',
        data: {
          userId,
          tenantId: 'tenant-a',
          userName: `seed${i}@example.com`,
          email: `seed${i}@example.com`,
          displayName: `Seed ${i}`,
          givenName: null,
          familyName: null,
          externalId: `seed-${i}`,
          userPrincipalName: null,
          provisionedBy: 'idp',
          placement: null,
          idpAttributes: {},
          attributes: {},
        },
      };
      await store.append(userStreamId(userId), [{ id: randomUUID(), type: created.type, data: created.data, metadata: { ...metadata } }], 'no_stream');
    }
    // The in-process projector follows the appends.
    await until(async () => (await t.readModel.getRepository(ScimUserRow).count()) >= SEEDED, 60_000, `the ${SEEDED} seeded users to be projected`);
    // Seeded as events only, like users from before address claims: claimed as the one-off migration does, so verify's L8 check holds.
    await claimLiveAddresses(t.readModel, store, new Date().toISOString());
  }, TIMEOUTS.load);

  afterAll(async () => {
    await store?.close();
    await t?.close();
    await drop?.();
  });

  function cli(args: string[], extraEnv: Record<string, string> = {}) {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'silent', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { output, exited };
  }

  const listUsers = () => request(t.http).get('/scim/v2/Users?count=1').set('Authorization', `Bearer ${TENANT_A_TOKEN}`);
  const createUser = (userName: string) =>
    request(t.http).post('/scim/v2/Users').set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON).send(entraUser(userName));

  it(
    'given a serving api, when rebuild runs with reads and writes going on, then reads never fail, the writes are there after the switch, and verify finds no difference',
    async () => {
      // Small batches: the rebuild takes many transactions, so the api's traffic interleaves with them.
      const rebuild = cli(['rebuild'], { PROJECTOR_BATCH_SIZE: '10' });
      let done = false;
      void rebuild.exited.then(() => (done = true));
      const reads: Array<{ status: number; total: number }> = [];
      const created: string[] = [];
      while (!done) {
        const listed = await listUsers();
        reads.push({ status: listed.status, total: listed.body.totalResults });
        if (created.length < 5 && rebuild.output.stderr.includes('rebuild projecting')) {
          const answer = await createUser(`during-${created.length}@example.com`);
          expect(answer.status).toBe(201);
          created.push(answer.body.id);
        }
      }
      const code = await rebuild.exited;

      expect(code).toBe(0);
      expect(rebuild.output.stderr).toMatch(/rebuild projecting: \d+\/\d+ events \(\d+%\), \d+ events\/s, ETA \S+/);
      expect(rebuild.output.stdout).toMatch(/\d+ events projected into fresh tables and switched over/);
      expect(reads.length).toBeGreaterThan(0);
      // Writes during the rebuild happened, or the checks on them below would pass on none.
      expect(created.length).toBeGreaterThan(0);
      expect(reads.filter((read) => read.status !== 200 || read.total < SEEDED)).toEqual([]);
      for (const id of created) {
        const fetched = await request(t.http).get(`/scim/v2/Users/${id}`).set('Authorization', `Bearer ${TENANT_A_TOKEN}`);
        expect(fetched.status).toBe(200);
      }
      // A write after the switch: the api's projector follows the new tables.
      const after = await createUser('after-switch@example.com');
      expect(after.status).toBe(201);
      expect((await listUsers()).body.totalResults).toBe(SEEDED + created.length + 1);
      expect(await t.readModel.driver.createSchemaBuilder().log()).toMatchObject({ upQueries: [] });

      const verify = cli(['verify']);
      expect(await verify.exited).toBe(0);
      expect(verify.output.stdout).toContain('0 difference(s)');
    },
    TIMEOUTS.load,
  );
});
