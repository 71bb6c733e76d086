import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DataSource } from 'typeorm';
import { personalFieldsOf } from '@scim-ledger/domain';
import { openEventStore } from '@scim-ledger/event-store';
import { openReadModel, rebuildReadModel, ScimUserRow } from '@scim-ledger/read-model';
import { runCli } from './support/run-cli';
import { E2E_DATABASE, entraUser, freshStorage, SCIM_JSON, startTestApp, TENANT_A_TOKEN, TestApp } from './support/test-app';
import { TIMEOUTS } from './support/timeouts';
import { builtEntry } from './support/processes';

// The CLI runs built (support/processes.ts, builtEntry): built here, under the build's time-out.
beforeAll(() => builtEntry('cli'), TIMEOUTS.build);

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

describe(`support CLI on ${E2E_DATABASE}`, () => {
  let t: TestApp;
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let userId: string;

  beforeAll(async () => {
    const storage = await freshStorage();
    env = storage.env;
    drop = storage.drop;
    t = await startTestApp(env);
    const created = await request(t.http)
      .post('/scim/v2/Users')
      .set('Authorization', `Bearer ${TENANT_A_TOKEN}`)
      .set('Content-Type', SCIM_JSON)
      .set('X-Request-Id', 'req-create-1')
      .send(entraUser('cli@example.com'));
    userId = created.body.id;
    await request(t.http)
      .put(`/scim/v2/Users/${userId}`)
      .set('Authorization', `Bearer ${TENANT_A_TOKEN}`)
      .set('Content-Type', SCIM_JSON)
      .send(entraUser('cli@example.com', { displayName: 'Renamed by IdP' }));
  }, TIMEOUTS.appStart);
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  const cli = (...args: string[]) => runCli(env, ...args);

  it('given --help, when run, then it lists the commands', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('replay');
    expect(stdout).toContain('verify');
    expect(stdout).toContain('rebuild');
  });

  it('given a user created then renamed, when replayed, then each event shows with its request id, its change and the state it led to', async () => {
    const { code, stdout } = await cli('replay', 'user', userId);
    expect(code).toBe(0);
    expect(stdout).toMatch(/#0 .* UserCreated by scim-token:.*\n {4}Created as cli@example.com by .*, request req-create-1/);
    expect(stdout).toMatch(/#1 .* UserRenamed/);
    expect(stdout).toContain('displayName: "Display cli@example.com" -> "Renamed by IdP"');
    expect(stdout).toContain('"displayName":"Renamed by IdP"');
    expect(stdout).toContain('2 of 2 event(s) replayed');
  });

  it('given --revision 0, when replayed, then the state is the user before the rename', async () => {
    const { code, stdout } = await cli('replay', 'user', userId, '--revision', '0');
    expect(code).toBe(0);
    expect(stdout).not.toContain('UserRenamed');
    expect(stdout).toMatch(/state: .*"displayName":"Display cli@example.com"/);
    expect(stdout).toContain('1 of 2 event(s) replayed');
  });

  it(
    'given --until before anything happened, when replayed, then no event and the initial state',
    async () => {
      const { stdout } = await cli('replay', 'user', userId, '--until', '2000-01-01T00:00:00Z');
      expect(stdout).toContain('state: {"status":"Initial"}');
      expect((await cli('replay', 'user', userId, '--until', 'yesterday')).code).not.toBe(0);
      expect((await cli('replay', 'user', userId, '--revision', 'one')).code).not.toBe(0);
    },
    TIMEOUTS.requests,
  );

  it('given --version, when run, then it prints the version of package.json and exits 0', async () => {
    const { code, stdout } = await cli('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('given --json, when a user is replayed, then one JSON document: each event with its summary and changes, and the state', async () => {
    const { code, stdout } = await cli('replay', 'user', userId, '--json');
    expect(code).toBe(0);
    const replayed = JSON.parse(stdout);
    expect(replayed).toMatchObject({ kind: 'user', id: userId, replayed: 2, total: 2, state: { status: 'Active' } });
    expect(replayed.entries.map((entry: { type: string }) => entry.type)).toEqual(['UserCreated', 'UserRenamed']);
    expect(replayed.entries[1].changes).toContainEqual({ attribute: 'displayName', from: 'Display cli@example.com', to: 'Renamed by IdP' });
    const tenant = JSON.parse((await cli('replay', 'tenant', 'tenant-a', '--json')).stdout);
    expect(tenant).toMatchObject({ kind: 'tenant', id: 'tenant-a', state: { status: 'Active' } });
    expect(JSON.stringify(tenant)).not.toContain(TENANT_A_TOKEN);
  });

  it('given --json, when verified, then one JSON document with the events folded and no difference', async () => {
    const { code, stdout } = await cli('verify', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ events: expect.any(Number), differences: [] });
  }, 60_000);

  it(
    'given mistakes, when run, then one line says what, without the whole help text',
    async () => {
      const unknown = await cli('replay', 'user', 'no-such-user');
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('no events for user no-such-user');
      expect(unknown.stderr).not.toContain('Usage:');
      const scratch = mkdtempSync(join(tmpdir(), 'scim-ledger-export-'));
      try {
        const file = join(scratch, 'taken.ndjson');
        expect((await cli('export', '--tenant', 'tenant-a', '--out', file)).code).toBe(0);
        const before = readFileSync(file, 'utf8');
        const again = await cli('export', '--tenant', 'tenant-a', '--out', file);
        expect(again.code).not.toBe(0);
        expect(again.stderr).toContain('exists: export never overwrites a file');
        expect(again.stderr).not.toContain('Usage:');
        expect(readFileSync(file, 'utf8')).toBe(before);
        // An unknown tenant is an error, not an empty export (the attack on issue 20, finding 8).
        const nobody = join(scratch, 'nobody.ndjson');
        const unknownTenant = await cli('export', '--tenant', 'no-such-tenant', '--out', nobody);
        expect(unknownTenant.code).not.toBe(0);
        expect(unknownTenant.stderr.trim().split('\n')).toEqual(['no events for tenant no-such-tenant']);
        expect(existsSync(nobody)).toBe(false);
        // An unknown user leaves no empty file behind, so the next try is not refused as "exists".
        const missing = join(scratch, 'missing.ndjson');
        const unknownUser = await cli('export', '--tenant', 'tenant-a', '--user', 'no-such-user', '--out', missing);
        expect(unknownUser.code).not.toBe(0);
        expect(unknownUser.stderr.trim().split('\n')).toEqual(['no user no-such-user in tenant tenant-a']);
        expect(existsSync(missing)).toBe(false);
        const json = await cli('export', '--tenant', 'tenant-a', '--out', join(scratch, 'json.ndjson'), '--json');
        expect(JSON.parse(json.stdout)).toEqual({ file: join(scratch, 'json.ndjson'), events: before.trim().split('\n').length });
        expect(json.stderr).toContain(`export writing: ${before.trim().split('\n').length} events`);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    TIMEOUTS.requests,
  );

  it('given a tenant, when replayed, then its configuration events show and the token only as a hash', async () => {
    const { code, stdout } = await cli('replay', 'tenant', 'tenant-a');
    expect(code).toBe(0);
    expect(stdout).toMatch(/#0 .* TenantCreated by system:bootstrap/);
    expect(stdout).toContain('ScimMappingAdded');
    expect(stdout).not.toContain(TENANT_A_TOKEN);
  });

  it(
    "given one user of tenant A, when exported with --user for tenant A, then the tenant's stream first and that user's events; for tenant B, refused and nothing written (rule S3's support case stays in its tenant)",
    async () => {
      const scratch = mkdtempSync(join(tmpdir(), 'scim-ledger-export-user-'));
      try {
        const ownFile = join(scratch, 'own.ndjson');
        const own = await cli('export', '--tenant', 'tenant-a', '--user', userId, '--out', ownFile);
        expect(own.code).toBe(0);
        const lines = readFileSync(ownFile, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { streamId: string; metadata: { tenantId: string } });
        // The tenant's events first, so that an import has its mappings; then only this user's.
        expect([...new Set(lines.map((line) => line.streamId))]).toEqual(['tenant-tenant-a', `user-${userId}`]);
        expect(lines.every((line) => line.metadata.tenantId === 'tenant-a')).toBe(true);

        // The attack on issue 17 dropped the tenant check: tenant A's user, names and addresses opened, went into B's case.
        const otherFile = join(scratch, 'other.ndjson');
        const other = await cli('export', '--tenant', 'tenant-b', '--user', userId, '--out', otherFile);
        expect(other.code).not.toBe(0);
        expect(other.stderr).toContain(`no user ${userId} in tenant tenant-b`);
        expect(existsSync(otherFile) ? readFileSync(otherFile, 'utf8') : '').toBe('');
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    TIMEOUTS.requests,
  );

  it('given tenant A exported, when imported into a fresh embedded instance, then its events rebuild the same users', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'scim-ledger-import-'));
    try {
      const file = join(scratch, 'tenant-a.ndjson');
      const exported = await cli('export', '--tenant', 'tenant-a', '--out', file);
      expect(exported.stdout).toMatch(/\d+ event\(s\) written/);
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.every((line) => line.metadata.tenantId === 'tenant-a')).toBe(true);

      const imported = await run(process.execPath, [await builtEntry('cli'), 'import', '--in', file], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: scratch, EVENT_STORE: 'sqlite', READ_MODEL: 'sqlite', DATABASE_URL: '', LOG_LEVEL: 'silent' },
      });
      expect(imported.stdout).toContain(`${lines.length} event(s)`);
      expect(imported.stderr).toContain(`import appending: ${lines.length} events`);

      const store = await openEventStore({ type: 'sqlite', file: join(scratch, 'scim-ledger.sqlite') }, personalFieldsOf);
      const rebuilt = await openReadModel({ type: 'sqlite', file: join(scratch, 'rebuilt.sqlite') });
      try {
        await rebuildReadModel(rebuilt, store);
        const users = async (ds: DataSource) => await ds.getRepository(ScimUserRow).find({ where: { tenantId: 'tenant-a' }, order: { id: 'ASC' } });
        const live = await users(t.readModel);
        expect(live.length).toBeGreaterThan(0);
        expect(await users(rebuilt)).toEqual(live);
      } finally {
        await rebuilt.destroy();
        await store.close();
      }
      // Importing twice would mix two histories: refused.
      await expect(
        run(process.execPath, [await builtEntry('cli'), 'import', '--in', file], {
          cwd: ROOT,
          env: { ...process.env, DATA_DIR: scratch, EVENT_STORE: 'sqlite', READ_MODEL: 'sqlite', LOG_LEVEL: 'silent' },
        }),
      ).rejects.toMatchObject({ stderr: expect.stringContaining('expected revision') });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 60_000);

  it('given a read model that matches the events, when verified, then exit 0 with no difference, its progress on stderr', async () => {
    const { code, stdout, stderr } = await cli('verify');
    expect(stdout).toContain('0 difference(s)');
    // Not a terminal here: plain progress lines (issue 20, item 7), the last with every event.
    expect(stderr).toMatch(/^verify projecting: (\d+)\/\1 events \(100%\), \d+ events\/s, ETA 0s$/m);
    expect(code).toBe(0);
  });

  it('given a read model row changed behind the events, when verified, then exit 1 naming the field', async () => {
    await t.readModel.getRepository(ScimUserRow).update({ id: userId }, { displayName: 'Tampered' });
    const { code, stdout } = await cli('verify');
    expect(code).toBe(1);
    expect(stdout).toContain(`user ${userId}: displayName is "Tampered", the events say "Renamed by IdP"`);
  });
});
