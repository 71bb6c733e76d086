import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditEntryRow, ScimUserRow } from '@scim-ledger/read-model';
import { eventually, until } from './support/polling';
import { runCli } from './support/run-cli';
import { scimTenantPlacingEveryone } from './support/scim-tenant';
import { E2E_DATABASE, entraUser, freshStorage, SCIM_JSON, startTestApp, TestApp } from './support/test-app';
import { builtEntry } from './support/processes';
import { TIMEOUTS } from './support/timeouts';

const OPERATOR = 'operator-token-0123456789abcdef';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTRA_AGENT = 'Microsoft.AAD.Provisioning';
const OKTA_AGENT = 'Okta SCIM Client 1.0.0';

const oktaUser = (userName: string, givenName: string, familyName: string, active = true) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  name: { givenName, familyName },
  displayName: `${givenName} ${familyName}`,
  emails: [{ primary: true, value: userName, type: 'work' }],
  active,
});

// The CLI runs built (support/processes.ts, builtEntry): built here, under the build's time-out.
beforeAll(() => builtEntry('cli'), TIMEOUTS.build);

/**
 * Issue 6, "done when": Entra ID and Okta provision, change and preserve users;
 * then the history, the audit feed, the state as of any revision, `replay`,
 * `verify` and a blue/green rebuild all tell the same story, and the tenant exported and
 * imported into a fresh embedded instance projects to the same read model.
 */
describe(`support engineer's view of one tenant on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let admin: { clientId: string; clientSecret: string };
  let token: string;
  const users: Record<'entra' | 'okta', string> = { entra: '', okta: '' };

  const scim = (agent: string) => {
    const call = (method: 'post' | 'put' | 'patch' | 'delete', url: string, requestId: string) =>
      request(t.http)
        [method](url)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', SCIM_JSON)
        .set('User-Agent', agent)
        .set('X-Request-Id', requestId);
    return {
      post: (body: object, requestId: string) => call('post', '/scim/v2/Users', requestId).send(body),
      put: (id: string, body: object, requestId: string) => call('put', `/scim/v2/Users/${id}`, requestId).send(body),
      patch: (id: string, operations: object[], requestId: string) =>
        call('patch', `/scim/v2/Users/${id}`, requestId).send({ schemas: [PATCH_OP], Operations: operations }),
      delete: (id: string, requestId: string) => call('delete', `/scim/v2/Users/${id}`, requestId),
    };
  };
  const get = (url: string) => request(t.http).get(url).auth(admin.clientId, admin.clientSecret);

  const cli = runCli;

  beforeAll(async () => {
    const storage = await freshStorage();
    env = storage.env;
    drop = storage.drop;
    t = await startTestApp({ ...env, ADMIN_OPERATOR_TOKEN: OPERATOR });
    ({ admin, token } = await scimTenantPlacingEveryone(t, OPERATOR, { id: 'case', name: 'Support case' }));

    // Entra ID: create, rename, disable (preserved), enable again.
    const entra = scim(ENTRA_AGENT);
    users.entra = (await entra.post(entraUser('lin@case.test', { displayName: 'Lin' }), 'entra-1')).body.id;
    await entra.patch(users.entra, [{ op: 'Replace', path: 'displayName', value: 'Lin Wei' }], 'entra-2');
    await entra.patch(users.entra, [{ op: 'Replace', path: 'active', value: 'False' }], 'entra-3');
    await entra.patch(users.entra, [{ op: 'Replace', path: 'active', value: 'True' }], 'entra-4');
    // Okta: create, full PUT with a new family name, PUT inactive (preserved), then DELETE (stays preserved).
    const okta = scim(OKTA_AGENT);
    users.okta = (await okta.post(oktaUser('sam@case.test', 'Sam', 'Okafor'), 'okta-1')).body.id;
    await okta.put(users.okta, { ...oktaUser('sam@case.test', 'Sam', 'Okafor-Reid'), id: users.okta }, 'okta-2');
    await okta.put(users.okta, { ...oktaUser('sam@case.test', 'Sam', 'Okafor-Reid', false), id: users.okta }, 'okta-3');
    await okta.delete(users.okta, 'okta-4');
    // Refused: Lin's address, already a SCIM-managed user of this tenant (rule L8: 409 uniqueness).
    await okta.post(oktaUser('lin@case.test', 'Lin', 'Again'), 'okta-5');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  it('given what the IdPs did, then the history says it, event by event, with who and which request', async () => {
    const entra = (await get(`/admin/v1/tenants/case/users/${users.entra}/history`)).body;
    expect(entra.entries.map((e: { type: string; requestId: string; userAgent: string }) => [e.type, e.requestId, e.userAgent])).toEqual([
      ['UserCreated', 'entra-1', ENTRA_AGENT],
      ['UserRenamed', 'entra-2', ENTRA_AGENT],
      ['UserPreserved', 'entra-3', ENTRA_AGENT],
      ['UserReactivated', 'entra-4', ENTRA_AGENT],
    ]);
    const okta = (await get(`/admin/v1/tenants/case/users/${users.okta}/history`)).body;
    expect(okta.entries.map((e: { type: string; requestId: string }) => [e.type, e.requestId])).toEqual([
      ['UserCreated', 'okta-1'],
      ['UserRenamed', 'okta-2'],
      ['UserPreserved', 'okta-3'],
      ['UserDeletedInIdp', 'okta-4'],
    ]);
    expect(okta.status).toBe('Preserved');
  });

  it('given the history of each user, then the audit feed holds the same events in the same order, and the refusal besides', async () => {
    for (const userId of Object.values(users)) {
      const history = (await get(`/admin/v1/tenants/case/users/${userId}/history`)).body.entries as Array<{ type: string; requestId: string }>;
      const feed = (await get(`/admin/v1/tenants/case/audit?userId=${userId}&outcome=accepted`)).body.entries as Array<{
        eventType: string;
        requestId: string;
      }>;
      expect(feed.map((e) => [e.eventType, e.requestId])).toEqual(history.map((e) => [e.type, e.requestId]));
    }
    // A refusal is recorded after its answer (rule S2), and projected after that: wait for it, never for a fixed time.
    const refused = await eventually(
      async () => (await get('/admin/v1/tenants/case/audit?outcome=refused')).body.entries as unknown[],
      (entries) => entries.length > 0,
      TIMEOUTS.background,
      "okta-5's refusal in the audit feed",
    );
    expect(refused).toEqual([expect.objectContaining({ requestId: 'okta-5', data: expect.objectContaining({ status: 409, scimType: 'uniqueness' }) })]);
  });

  it(
    'given every revision of each user, then the state as of it (admin API) is what replay --revision prints, and the last one is what SCIM serves',
    async () => {
      for (const userId of Object.values(users)) {
        const revisions = (await get(`/admin/v1/tenants/case/users/${userId}/history`)).body.totalResults as number;
        for (let revision = 0; revision < revisions; revision++) {
          const asOf = (await get(`/admin/v1/tenants/case/users/${userId}/state?revision=${revision}`)).body.state;
          const replayed = await cli(env, 'replay', 'user', userId, '--revision', String(revision));
          expect(replayed.code).toBe(0);
          expect(JSON.parse(/^state: (.*)$/m.exec(replayed.stdout)![1])).toEqual(asOf);
        }
      }
      const now = (await get(`/admin/v1/tenants/case/users/${users.entra}/state`)).body.state;
      const served = (await request(t.http).get(`/scim/v2/Users/${users.entra}`).set('Authorization', `Bearer ${token}`)).body;
      expect({ userName: served.userName, displayName: served.displayName, active: served.active }).toEqual({
        userName: now.profile.userName,
        displayName: now.profile.displayName,
        active: now.status === 'Active',
      });
      // Deleted in Okta: gone for the IdP (404), kept as Preserved (rule L4), which is what its state says.
      expect((await get(`/admin/v1/tenants/case/users/${users.okta}/state`)).body.state).toMatchObject({ status: 'Preserved', deletedInIdp: true });
      expect((await request(t.http).get(`/scim/v2/Users/${users.okta}`).set('Authorization', `Bearer ${token}`)).status).toBe(404);
    },
    TIMEOUTS.load,
  );

  it('given the live read model, then verify folds the events again and finds no difference', async () => {
    const verified = await cli(env, 'verify');
    expect(verified.stdout).toMatch(/ 0 difference\(s\)/);
    expect(verified.code).toBe(0);
  }, 60_000);

  it(
    'given a blue/green rebuild while the api serves, then SCIM and the admin API answer as before it, and verify still finds nothing',
    async () => {
      // supertest listens on a new port per request, and meta.location carries it.
      const listed = async () =>
        ((await request(t.http).get('/scim/v2/Users?count=100').set('Authorization', `Bearer ${token}`)).body.Resources as Array<{ meta: object }>).map(
          ({ meta: { location: _location, ...meta }, ...user }: { meta: { location?: string } }) => ({ ...user, meta }),
        );
      const before = {
        list: await listed(),
        feed: (await get('/admin/v1/tenants/case/audit?count=1000')).body.entries,
        history: (await get(`/admin/v1/tenants/case/users/${users.okta}/history`)).body,
      };

      const rebuilt = await cli(env, 'rebuild');

      expect(rebuilt.code).toBe(0);
      expect(rebuilt.stderr).toMatch(/rebuild projecting: \d+\/\d+ events/);
      expect(rebuilt.stdout).toMatch(/\d+ events projected into fresh tables and switched over/);
      expect(before.list).toHaveLength(1);
      expect(await listed()).toEqual(before.list);
      expect((await get('/admin/v1/tenants/case/audit?count=1000')).body.entries).toEqual(before.feed);
      expect((await get(`/admin/v1/tenants/case/users/${users.okta}/history`)).body).toEqual(before.history);
      const verified = await cli(env, 'verify');
      expect(verified.stdout).toMatch(/ 0 difference\(s\)/);
    },
    TIMEOUTS.load,
  );

  it(
    'given the tenant exported, when imported into a fresh embedded instance, then that instance projects the same users and the same audit trail',
    async () => {
      const scratch = mkdtempSync(join(tmpdir(), 'scim-ledger-case-'));
      let copy: TestApp | undefined;
      try {
        const file = join(scratch, 'case.ndjson');
        expect((await cli(env, 'export', '--tenant', 'case', '--out', file)).code).toBe(0);
        const laptop = { DATA_DIR: join(scratch, 'laptop'), EVENT_STORE: 'sqlite', READ_MODEL: 'sqlite', DATABASE_URL: '' };
        const imported = await cli(laptop, 'import', '--in', file);
        expect(imported.code).toBe(0);
        // Issue 20, item 3: the engineer gets a way into the imported tenant, printed once.
        const [, clientId, clientSecret] = /credential for tenant "case" \(shown once\): client id (\S+), secret (\S+)/.exec(imported.stdout) ?? [];
        expect(clientId).toMatch(/^case\./);

        // The README's first command on a laptop: the app on the embedded default, projecting what was imported.
        copy = await startTestApp({ DATA_DIR: laptop.DATA_DIR, EVENT_STORE: 'sqlite', READ_MODEL: 'sqlite' });
        const original = await auditCount(t.readModel, 'case');
        await waitUntilCaughtUp(copy.readModel, original + 1);
        const usersOf = async (ds: DataSource) => ds.getRepository(ScimUserRow).find({ where: { tenantId: 'case' }, order: { id: 'ASC' } });
        expect(await usersOf(copy.readModel)).toEqual(await usersOf(t.readModel));
        const trailOf = async (ds: DataSource) =>
          (
            await ds.getRepository(AuditEntryRow).find({ where: { tenantId: 'case' }, order: { occurredAt: 'ASC', streamId: 'ASC', streamRevision: 'ASC' } })
          ).map(({ id: _id, globalPosition: _position, ...entry }) => entry);
        const copied = await trailOf(copy.readModel);
        expect(copied.slice(0, original)).toEqual(await trailOf(t.readModel));
        // The credential's issuance is the one entry more, saying who issued it and why.
        expect(copied.slice(original)).toEqual([
          expect.objectContaining({
            eventType: 'ApiCredentialIssued',
            actorKind: 'system',
            actorId: 'cli import',
            data: expect.stringContaining('support case imported from case.ndjson'),
          }),
        ]);
        const history = await request(copy.http).get(`/admin/v1/tenants/case/users/${users.entra}/history`).auth(clientId, clientSecret);
        expect(history.status).toBe(200);
        expect(history.body.entries).toHaveLength(4);
      } finally {
        await copy?.close();
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    TIMEOUTS.load,
  );
});

async function auditCount(readModel: DataSource, tenantId: string): Promise<number> {
  return readModel.getRepository(AuditEntryRow).countBy({ tenantId });
}

/** The copy's in-process projector catches up on its own; wait for it to hold as many entries as the original. */
async function waitUntilCaughtUp(readModel: DataSource, entries: number, timeoutMs = 10_000): Promise<void> {
  await until(async () => (await auditCount(readModel, 'case')) >= entries, timeoutMs, `the copy's audit trail to hold ${entries} entries`);
}
