import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, buildApps, freePort, until } from './support/processes';
import { TIMEOUTS } from './support/timeouts';

/**
 * Issue 20, item 7: a process that cannot start says why in one line, a bad
 * setting by its name, an unreachable database by what failed, never a stack
 * trace the operator must read through. The built apps, as they run.
 */
describe('start-up failures of the built apps', () => {
  beforeAll(() => buildApps(), TIMEOUTS.build);

  async function failedStart(app: 'api' | 'projector', env: Record<string, string>): Promise<string[]> {
    const { code, output } = await new AppProcess(app, { LOG_LEVEL: 'info', ...env }).run();
    expect(code).toBe(1);
    return output.trim().split('\n');
  }

  it(
    'given a bad setting, when the api or the projector starts, then one line names it',
    async () => {
      for (const app of ['api', 'projector'] as const) {
        const lines = await failedStart(app, { PORT: 'eighty', EVENT_STORE: 'sqlite', READ_MODEL: 'sqlite' });
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^scim-ledger ${app} could not start: configuration error: .*PORT`));
      }
    },
    TIMEOUTS.requests,
  );

  it(
    "given a port that is taken, when the api first starts, then it stops before making the tenant's secrets, and the next start shows them (the attack on issue 20, finding 23)",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'scim-ledger-port-taken-'));
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      try {
        const port = String((taken.address() as AddressInfo).port);
        const env = { DATA_DIR: dataDir, EVENT_STORE: 'sqlite', READ_MODEL: 'sqlite', DATABASE_URL: '', HOST: '127.0.0.1', REMINDER_INTERVAL_MS: '0' };
        const lines = await failedStart('api', { ...env, PORT: port });
        expect(lines.filter((line) => /^scim-ledger api could not start: .*EADDRINUSE/.test(line))).toHaveLength(1);
        const api = new AppProcess('api', { ...env, PORT: String(await freePort()) }).start();
        try {
          await until(async () => /Storage {7}:/.test(api.output), TIMEOUTS.appStart, 'the banner');
          expect(api.output).toMatch(/Bearer token {2}: [\w-]{43} {3}\(shown once/);
          expect(api.output).toMatch(/secret {6}: [\w-]{43}/);
        } finally {
          await api.stop();
        }
      } finally {
        taken.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    TIMEOUTS.requests,
  );

  it(
    'given a PostgreSQL nobody listens on, when the api starts, then one line says what could not be reached',
    async () => {
      const closed = await freePort();
      const lines = await failedStart('api', {
        EVENT_STORE: 'postgres',
        READ_MODEL: 'postgres',
        DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/nowhere`,
        PORT: String(await freePort()),
      });
      const last = lines.at(-1)!;
      expect(last).toMatch(/^scim-ledger api could not start: .*(ECONNREFUSED|connect)/);
      expect(lines.filter((line) => /^\s+at /.test(line))).toEqual([]);
    },
    TIMEOUTS.requests,
  );
});
