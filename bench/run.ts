/**
 * npm run bench [-- --quick] [-- --backends sqlite,postgres] [-- --cpu-prof] [-- --long-stream 10000]
 *   [-- --noisy-users 20000] [-- --noisy-neighbour-only]
 *
 * Starts the real api (dist/) as its own process on a fresh database per
 * backend, loads it from this process with autocannon, and prints and writes
 * (bench/results/) the figures of bench/README.md. Exits non-zero only when
 * the bench itself breaks, never because a figure misses its target.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '@scim-ledger/event-store';
import { creates, filteredGets, idpMix, listPages, LoadOptions, noops, patchActive, PhaseResult, puts } from './load';
import { NodeProcess, Rss, startApi, startProjector } from './processes';
import { groupFigures } from './groups';
import { longStreamPatches } from './long-stream';
import { noisyNeighbour } from './noisy-neighbour';
import { rawAppends, seedUsers } from './seed';
import { createTenants, OPERATOR_TOKEN } from './tenants';
import { BackendResult, Preset, tableRows } from './report';
import { formatTable } from './stats';
import { BackendName, BenchStorage, openStorage, ProjectionLag } from './storage';

const PRESETS: Record<Preset['name'], Preset> = {
  quick: { name: 'quick', repeats: 1, levels: [10_000], seconds: 2, connections: 16, tenants: 5, longStream: 2_000, noisyUsers: 20_000, groupMembers: 10_000 },
  full: {
    name: 'full',
    repeats: 3,
    levels: [10_000, 100_000, 1_000_000],
    seconds: 8,
    connections: 32,
    tenants: 50,
    longStream: 10_000,
    noisyUsers: 20_000,
    groupMembers: 100_000,
  },
};

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function parseArgs(argv: readonly string[]) {
  const preset = argv.includes('--quick') ? PRESETS.quick : PRESETS.full;
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const backends = (value('--backends') ?? 'sqlite,postgres').split(',') as BackendName[];
  const levels = value('--levels')?.split(',').map(Number);
  const repeats = value('--repeats');
  const longStream = value('--long-stream');
  const noisyUsers = value('--noisy-users');
  return {
    preset: {
      ...preset,
      ...(levels ? { levels } : {}),
      ...(repeats ? { repeats: Number(repeats) } : {}),
      ...(longStream ? { longStream: Number(longStream) } : {}),
      ...(noisyUsers ? { noisyUsers: Number(noisyUsers) } : {}),
    },
    backends,
    cpuProf: argv.includes('--cpu-prof'),
    // Only the noisy-neighbour figure, on a fresh database (issue 15, finding 3).
    noisyOnly: argv.includes('--noisy-neighbour-only'),
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, pauseMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** Polls with an index probe every 200 ms: counting the events behind took a quarter of a core during a 1M rebuild. */
async function caughtUp(storage: BenchStorage, timeoutMs = 600_000): Promise<void> {
  await until('the read model to catch up', async () => !(await storage.behind()), timeoutMs, 200);
}

/** Samples the projection lag every `everyMs` until stopped. */
function sampleLag(storage: BenchStorage, everyMs: number): { stop(): Promise<ProjectionLag[]> } {
  const samples: ProjectionLag[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push(await storage.lag());
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** A phase that got no 2xx answer at all, or mostly errors, means the bench (or the app) is broken. */
function checked(result: PhaseResult): PhaseResult {
  const answered = result.ok + result.non2xx;
  log(
    `  ${result.phase}: ${result.perSecond.toFixed(0)}/s p50 ${result.p50Ms} ms p99 ${result.p99Ms} ms` +
      ` (2xx ${result.ok}, non-2xx ${result.non2xx}, errors ${result.errors}, codes ${JSON.stringify(result.statusCodes)})`,
  );
  if (result.ok === 0 || result.non2xx > 0.05 * answered) {
    throw new Error(`phase ${result.phase} is broken: ${JSON.stringify(result)}`);
  }
  return result;
}

/** What an interrupted run must still undo: servers stopped, temp dirs and databases dropped. */
const cleanups = new Set<() => Promise<void>>();

async function runBackend(backend: BackendName, preset: Preset, cpuProf: boolean, noisyOnly: boolean): Promise<BackendResult> {
  const storage = await openStorage(backend);
  const cleanup = () => storage.drop();
  cleanups.add(cleanup);
  const result: BackendResult = { backend, creates: [], ceiling: [], lag: [], patches: [], puts: [], mix: [], levels: [], rebuilds: [], memory: null };
  const baseEnv = {
    ...storage.env,
    LOG_LEVEL: 'warn',
    ADMIN_OPERATOR_TOKEN: OPERATOR_TOKEN,
    BENCH_NOOP_ROUTE: '1',
    REMINDER_INTERVAL_MS: '0',
    // The limiter stays in the path, but a bench connection makes far more than an IdP's 6,000 requests a minute.
    RATE_LIMIT_MAX: '1000000000',
  };
  const nodeFlags = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(__dirname, 'results', 'profiles')}`] : [];
  const processes: NodeProcess[] = [];
  let store: EventStore | null = null;
  try {
    store = await storage.openEventStore();
    const measureNoisyNeighbour = async () => {
      log(`${backend}: noisy neighbour, ${preset.noisyUsers} users in the flooding tenant`);
      result.noisyNeighbour = await noisyNeighbour({
        store: store!,
        env: baseEnv,
        nodeFlags,
        users: preset.noisyUsers,
        seconds: preset.name === 'quick' ? 5 : 10,
        processes,
        caughtUp: () => caughtUp(storage),
        log,
      });
    };
    if (noisyOnly) {
      await measureNoisyNeighbour();
      return result;
    }
    log(`${backend}: starting the api`);
    let api = await startApi({ env: baseEnv, nodeFlags });
    processes.push(api.process);
    const tenants = await createTenants(api.baseUrl, preset.tenants);
    const load = (): LoadOptions => ({ baseUrl: api.baseUrl, connections: preset.connections, seconds: preset.seconds });

    // Creates against the storage ceiling, alternating, so drift hits both alike.
    for (let run = 0; run < preset.repeats; run++) {
      await caughtUp(storage);
      const lag = sampleLag(storage, 100);
      result.creates.push(checked(await creates(load(), tenants, `${run}`)));
      result.lag.push(...(await lag.stop()));
      await caughtUp(storage);
      // The api is frozen meanwhile, so the raw appends have the machine to themselves.
      api.process.pause();
      try {
        // A few seconds give the rate; more would only bloat the database the later figures run on.
        const ceiling = await rawAppends(store, tenants, preset.connections, Math.min(preset.seconds, 3), `${run}`);
        log(`  storage ceiling: ${ceiling.perSecond.toFixed(0)} appends/s`);
        result.ceiling.push(ceiling);
      } finally {
        api.process.resume();
      }
    }
    await caughtUp(storage);
    const created = await storage.sampleUsers(5000, 'c-');
    for (let run = 0; run < preset.repeats; run++) {
      result.patches.push(checked(await patchActive(load(), tenants, created)));
      result.puts.push(checked(await puts(load(), tenants, created)));
      result.mix.push(checked(await idpMix(load(), tenants, `${run}`)));
    }
    // One user's PATCHes by its stream's length, on apps of their own (bench/long-stream.ts).
    await api.process.stop();
    log(`${backend}: PATCHes of a user at revision 10 and at ${preset.longStream}`);
    result.longStreams = await longStreamPatches({
      storage,
      store,
      tenant: tenants[0],
      env: baseEnv,
      nodeFlags,
      long: preset.longStream,
      patches: preset.name === 'quick' ? 100 : 300,
      processes,
      caughtUp: () => caughtUp(storage),
      log,
    });
    api = await startApi({ env: baseEnv, nodeFlags });
    processes.push(api.process);

    let seeded = 0;
    for (const [index, level] of preset.levels.entries()) {
      const last = index === preset.levels.length - 1;
      await caughtUp(storage);
      const missing = Math.max(0, level - (await storage.userCount()));
      // Seeding goes straight to the event store with the api stopped, then the projector catches up.
      await api.process.stop();
      log(`${backend}: seeding ${missing} users to reach ${level}`);
      const seedStarted = Date.now();
      await seedUsers(store, tenants, seeded, seeded + missing, 2000, (done) => {
        if ((done - seeded) % 100_000 < 2000) log(`  seeded ${done - seeded}/${missing}`);
      });
      seeded += missing;
      log(`  seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);
      let projector: NodeProcess | null = null;
      if (!last) {
        api = await startApi({ env: baseEnv, nodeFlags });
        processes.push(api.process);
        await caughtUp(storage);
      } else {
        // Full rebuilds from every event, then the api at this size with the projector as its own process.
        const events = (await storage.head()).count;
        let duringRebuild: Rss = { rssMb: Number.NaN, peakMb: Number.NaN };
        for (let run = 0; run < preset.repeats; run++) {
          await storage.dropReadModel();
          const started = Date.now();
          // At info: its "indexes built" line says the rebuild is done (the projector honours LOG_LEVEL).
          projector = startProjector({ env: { ...baseEnv, PROJECTOR: 'external', LOG_LEVEL: 'info' }, nodeFlags });
          processes.push(projector);
          await caughtUp(storage, 3_600_000);
          // Caught up includes building the indexes a projection from the start builds last.
          await projector.waitForOutput('indexes built', 3_600_000);
          const seconds = (Date.now() - started) / 1000;
          duringRebuild = projector.rss();
          result.rebuilds.push({ events, seconds, perSecond: events / seconds });
          log(
            `  rebuild: ${events} events in ${seconds.toFixed(1)} s = ${(events / seconds).toFixed(0)} events/s (projector peak RSS ${duringRebuild.peakMb.toFixed(0)} MB)`,
          );
          if (run < preset.repeats - 1) await projector.stop();
        }
        api = await startApi({ env: { ...baseEnv, PROJECTOR: 'external' }, nodeFlags });
        processes.push(api.process);
        await caughtUp(storage);
        result.memory = { users: level, api: api.process.rss(), projector: projector!.rss(), projectorDuringRebuild: duringRebuild };
      }
      const users = await storage.userCount();
      log(`${backend}: ${users} users in the read model`);
      const measured = { users, gets: [] as PhaseResult[], noops: [] as PhaseResult[], lists: [] as PhaseResult[] };
      for (let run = 0; run < preset.repeats; run++) {
        measured.gets.push(checked(await filteredGets(load(), tenants, seeded)));
        measured.noops.push(checked(await noops(load(), tenants)));
        measured.lists.push(checked(await listPages(load(), tenants)));
      }
      result.levels.push(measured);
      if (last && result.memory) {
        // After the queries: what the api holds when serving this many users.
        result.memory = { ...result.memory, api: api.process.rss(), projector: projector!.rss() };
        log(
          `  RSS api ${result.memory.api.rssMb.toFixed(0)} MB (peak ${result.memory.api.peakMb.toFixed(0)}), projector ${result.memory.projector.rssMb.toFixed(0)} MB`,
        );
      }
    }
    // Last, on apps of their own: their users would shift the levels' counts, and they seed with the api stopped.
    for (const p of processes) await p.stop();
    log(`${backend}: a group of ${preset.groupMembers} members`);
    result.groups = await groupFigures({
      storage,
      store,
      env: baseEnv,
      nodeFlags,
      members: preset.groupMembers,
      processes,
      caughtUp: () => caughtUp(storage),
      log,
    });
    await measureNoisyNeighbour();
    return result;
  } catch (error) {
    for (const p of processes) if (p.log) log(`${p.name} output:\n${p.log.slice(-3000)}`);
    throw error;
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await store?.close().catch(() => undefined);
    cleanups.delete(cleanup);
    await storage.drop();
  }
}

async function main(): Promise<void> {
  const { preset, backends, cpuProf, noisyOnly } = parseArgs(process.argv.slice(2));
  const started = new Date();
  log(`preset ${preset.name}: ${JSON.stringify(preset)}; backends ${backends.join(', ')}`);
  const results: BackendResult[] = [];
  for (const backend of backends) results.push(await runBackend(backend, preset, cpuProf, noisyOnly));
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtEnd: loadavg(),
  };
  const allRows = tableRows(results, preset);
  // A run of one section prints that section's rows only.
  const rows = noisyOnly
    ? allRows.filter((r) => r.figure.startsWith('noisy neighbour') || r.values.some((v) => v !== undefined && Number.isFinite(v)))
    : allRows;
  const table = formatTable(backends, rows);
  process.stdout.write(
    `\nscim-ledger bench, ${preset.name} preset (medians of ${preset.repeats} run(s)), ${machine.cpus} cores, load ${machine.loadAverageAtEnd.map((l) => l.toFixed(1)).join(' ')}\n\n${table}\n\n`,
  );
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${started.toISOString().replace(/[:.]/g, '-')}-${preset.name}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { startedAt: started.toISOString(), finishedAt: new Date().toISOString(), preset, machine, table: rows, runs: results },
      (_key, value) => (typeof value === 'bigint' ? value.toString() : value),
      2,
    ),
  );
  process.stdout.write(`results written to ${file}\n`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // The finally blocks stop the servers and drop the databases; a second signal exits at once.
    if (stopping) process.exit(130);
    stopping = true;
    log(`${signal}: stopping`);
    // Child processes are killed on exit (processes.ts); the storage goes here.
    void Promise.allSettled([...cleanups].map((drop) => drop())).then(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
