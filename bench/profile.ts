/**
 * npx tsx bench/profile.ts <create|get|noop|patch|put|mix|list> [sqlite|postgres] [seconds]
 * npx tsx bench/profile.ts rebuild [sqlite|postgres] [users]
 *
 * One phase against an api started with --cpu-prof (or a full rebuild by the
 * projector process), then the profile's top frames
 * (bench/cpu-profile-top.ts). For finding what limits a figure.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { creates, filteredGets, idpMix, listPages, noops, patchActive, puts } from './load';
import { startApi, startProjector } from './processes';
import { seedUsers } from './seed';
import { BackendName, openStorage } from './storage';
import { createTenants, OPERATOR_TOKEN } from './tenants';

async function main(): Promise<void> {
  const [phase = 'create', backend = 'sqlite', secondsArg = '5'] = process.argv.slice(2);
  const seconds = Number(secondsArg);
  const storage = await openStorage(backend as BackendName);
  const profiles = mkdtempSync(join(tmpdir(), 'scim-ledger-profile-'));
  const env = {
    ...storage.env,
    LOG_LEVEL: 'warn',
    ADMIN_OPERATOR_TOKEN: OPERATOR_TOKEN,
    BENCH_NOOP_ROUTE: '1',
    REMINDER_INTERVAL_MS: '0',
    RATE_LIMIT_MAX: '1000000000',
  };
  try {
    if (phase === 'rebuild') {
      const store = await storage.openEventStore();
      const users = Number(secondsArg ?? 100_000);
      await seedUsers(
        store,
        [
          { id: 'bench-0', token: '' },
          { id: 'bench-1', token: '' },
        ],
        0,
        users,
        5000,
      );
      await store.close();
      const started = Date.now();
      const projector = startProjector({ env: { ...env, PROJECTOR: 'external' }, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] });
      for (let tick = 0; await storage.behind(); tick++) {
        if (tick % 20 === 0) process.stdout.write(`  ${((Date.now() - started) / 1000).toFixed(0)} s: projector RSS ${projector.rss().rssMb.toFixed(0)} MB\n`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(
        `rebuild: ${users} events in ${seconds.toFixed(1)} s = ${(users / seconds).toFixed(0)} events/s, projector peak RSS ${projector.rss().peakMb.toFixed(0)} MB\n`,
      );
      await projector.stop();
      const [file] = readdirSync(profiles);
      process.stdout.write(
        execFileSync(process.execPath, [
          join(__dirname, '../node_modules/tsx/dist/cli.mjs'),
          join(__dirname, 'cpu-profile-top.ts'),
          join(profiles, file),
          '35',
        ]),
      );
      return;
    }
    const api = await startApi({ env, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] });
    const tenants = await createTenants(api.baseUrl, 5);
    const options = { baseUrl: api.baseUrl, connections: 32, seconds };
    const store = await storage.openEventStore();
    await seedUsers(store, tenants, 0, 10_000);
    await store.close();
    while (await storage.behind()) await new Promise((r) => setTimeout(r, 100));
    const users = await storage.sampleUsers(5000, 'seed-');
    const run = {
      create: () => creates(options, tenants, 'p'),
      get: () => filteredGets(options, tenants, 10_000),
      noop: () => noops(options, tenants),
      patch: () => patchActive(options, tenants, users),
      put: () => puts(options, tenants, users),
      mix: () => idpMix(options, tenants, 'p'),
      list: () => listPages(options, tenants),
    }[phase];
    if (!run) throw new Error(`unknown phase ${phase}`);
    const phaseStarted = Date.now();
    const result = await run();
    const phaseEnded = Date.now();
    process.stdout.write(
      `${phase}: ${result.perSecond.toFixed(0)}/s p50 ${result.p50Ms} ms p99 ${result.p99Ms} ms, codes ${JSON.stringify(result.statusCodes)}\n`,
    );
    await api.process.stop();
    const exited = Date.now();
    const window = `${exited - phaseStarted}-${exited - phaseEnded}`;
    const [file] = readdirSync(profiles);
    process.stdout.write(
      execFileSync(process.execPath, [
        join(__dirname, '../node_modules/tsx/dist/cli.mjs'),
        join(__dirname, 'cpu-profile-top.ts'),
        join(profiles, file),
        '35',
        window,
      ]),
    );
  } finally {
    await storage.drop();
    rmSync(profiles, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
