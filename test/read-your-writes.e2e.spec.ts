import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { E2E_DATABASE, entraUser, freshStorage, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';
import { builtEntry } from './support/processes';

const ROOT = join(__dirname, '..');

/**
 * Entra ID looks a user up by userName right before and after it writes; with
 * the projector in its own process the api must still answer with what it wrote.
 */
describe(`read-your-writes with the projector as a separate process on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let projector: ChildProcess;
  let drop: () => Promise<void>;

  // The projector runs built (support/processes.ts, builtEntry): built here, under the build's time-out.
  beforeAll(() => builtEntry('projector'), TIMEOUTS.build);
  beforeAll(async () => {
    const storage = await freshStorage();
    drop = storage.drop;
    const env = { ...storage.env, PROJECTOR: 'external' };
    t = await startTestApp(env);
    projector = spawn(process.execPath, [await builtEntry('projector')], {
      cwd: ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await t.bootstrap();
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    if (projector && projector.exitCode === null) {
      const exited = new Promise((resolve) => projector.once('exit', resolve));
      projector.kill('SIGTERM');
      await exited;
    }
    await t?.close();
    await drop?.();
  });

  const scim = () => ({
    post: (url: string) => request(t.http).post(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON),
    patch: (url: string) => request(t.http).patch(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`).set('Content-Type', SCIM_JSON),
    get: (url: string) => request(t.http).get(url).set('Authorization', `Bearer ${TENANT_A_TOKEN}`),
  });

  it('given an external projector, when each create returns 201, then the very next userName filter finds the user', async () => {
    for (let i = 0; i < 25; i++) {
      const userName = `ryw${i}@example.com`;
      const created = await scim().post('/scim/v2/Users').send(entraUser(userName));
      expect(created.status).toBe(201);

      const found = await scim().get(`/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
      expect(found.body.totalResults).toBe(1);
      expect(found.body.Resources[0].id).toBe(created.body.id);
    }
  }, 60_000);

  it('given an external projector, when a PATCH returns 200, then the next GET shows the change', async () => {
    const created = await scim().post('/scim/v2/Users').send(entraUser('ryw-patch@example.com'));
    for (const active of [false, true, false]) {
      const patched = await scim()
        .patch(`/scim/v2/Users/${created.body.id}`)
        .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: active }] });
      expect(patched.status).toBe(200);
      expect((await scim().get(`/scim/v2/Users/${created.body.id}`)).body.active).toBe(active);
    }
  });
});
