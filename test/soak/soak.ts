/**
 * The soak (issue 8, item 5): mixed IdP traffic at a steady rate against the
 * real api in its own process, with RSS, latency and errors sampled and
 * printed. Fails (exit 1) on any error, on a rate it could not hold, or on RSS
 * still growing over the second half (least-squares slope above a bound).
 *
 *   npm run soak                 # 10 minutes
 *   npm run soak -- --quick      # 45 seconds, for CI
 *   options: --seconds N --rate N (requests/s) --database sqlite|postgres --max-slope MB/min --no-build
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createFreshPostgresDatabase } from '../../libs/event-store/src/postgres/fresh-postgres-database';
import { AppProcess, buildApps, freePort, until } from '../support/processes';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};
const quick = args.includes('--quick');
const SECONDS = Number(option('seconds', quick ? '45' : '600'));
const RATE = Number(option('rate', '40'));
const DATABASE = option('database', 'sqlite');
// A quick run ends before V8's heap settles, so its bound only catches a gross leak (2 MB/s);
// its job in CI is mostly the error and rate checks. The 10-minute run holds RSS to 2 MB/min.
const MAX_SLOPE_MB_PER_MIN = Number(option('max-slope', quick ? '120' : '2'));
const SAMPLE_MS = quick ? 2_000 : 10_000;
const TOKEN = 'soak-token-0123456789abcdef0123456';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Sample {
  readonly atS: number;
  readonly rssMb: number;
  readonly requests: number;
  readonly errors: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** The lowest RSS in each window of `windowS` seconds, as [minute at the window's end, MB]. */
export function rssFloors(samples: ReadonlyArray<{ atS: number; rssMb: number }>, windowS: number): Array<[number, number]> {
  const floors = new Map<number, number>();
  for (const { atS, rssMb } of samples) {
    const window = Math.ceil(atS / windowS);
    floors.set(window, Math.min(floors.get(window) ?? Infinity, rssMb));
  }
  return [...floors].map(([window, mb]) => [(window * windowS) / 60, mb]);
}

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function main(): Promise<number> {
  if (!args.includes('--no-build')) await buildApps();
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  if (DATABASE === 'postgres') {
    const database = await createFreshPostgresDatabase('scim_ledger_soak');
    env = { EVENT_STORE: 'postgres', READ_MODEL: 'postgres', DATABASE_URL: database.url };
    drop = () => database.drop();
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'scim-ledger-soak-'));
    env = { DATA_DIR: dir };
    drop = async () => rmSync(dir, { recursive: true, force: true });
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/scim/v2`;
  const api = new AppProcess('api', {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    SCIM_BOOTSTRAP_TOKEN: TOKEN,
    LOG_LEVEL: 'warn',
    REMINDER_INTERVAL_MS: '0',
  }).start();
  try {
    await until(
      async () => (await fetch(`${base}/ServiceProviderConfig`, { headers: { authorization: `Bearer ${TOKEN}` } })).status === 200,
      60_000,
      'the api',
    );
    process.stdout.write(`soak: ${SECONDS} s at ${RATE} requests/s on ${DATABASE}, api pid ${api.pid}, RSS sampled every ${SAMPLE_MS / 1000} s\n`);
    return await soak(base, api.pid!);
  } finally {
    await api.stop();
    if (!args.includes('--keep')) await drop();
  }
}

async function soak(base: string, pid: number): Promise<number> {
  const users: Array<{ id: string; userName: string; active: boolean }> = [];
  const deleted: string[] = [];
  let serial = 0;
  let latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const samples: Sample[] = [];

  const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown> | null> => {
    const started = performance.now();
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'user-agent': 'Azure Active Directory SCIM Client (soak)',
          ...(body ? { 'content-type': 'application/scim+json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      latencies.push(performance.now() - started);
      requests++;
      if (response.status >= 400) {
        errors++;
        if (errorSamples.length < 10) errorSamples.push(`${method} ${path} -> ${response.status} ${text.slice(0, 200)}`);
        return null;
      }
      return text ? JSON.parse(text) : {};
    } catch (error) {
      requests++;
      errors++;
      if (errorSamples.length < 10) errorSamples.push(`${method} ${path} -> ${(error as Error).message}`);
      return null;
    }
  };

  const create = async (userName = `soak-${serial++}@soak.example`) => {
    const created = await call('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
      externalId: `ext-${userName}`,
      displayName: `Soak ${userName}`,
      name: { givenName: 'Soak', familyName: userName },
      emails: [{ value: userName, type: 'work', primary: true }],
      active: true,
    });
    if (created && typeof created.id === 'string') users.push({ id: created.id, userName, active: true });
  };
  const pick = () => users[Math.floor(Math.random() * users.length)];

  /** One IdP action: Entra ID's mix of lookups by userName, PATCHes, reads, a few creates, deletes and re-assignments. */
  const action = async () => {
    const roll = Math.random();
    if (users.length < 20 || roll < 0.08) return create();
    const user = pick();
    if (roll < 0.38) return void (await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`));
    if (roll < 0.6) {
      return void (await call('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'displayName', value: `Soak ${serial++}` },
          { op: 'Replace', path: 'name.givenName', value: `G${serial}` },
        ],
      }));
    }
    if (roll < 0.68) {
      user.active = !user.active;
      return void (await call('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Replace', path: 'active', value: user.active ? 'True' : 'False' }],
      }));
    }
    if (roll < 0.84) return void (await call('GET', `/Users/${user.id}`));
    if (roll < 0.9) return void (await call('GET', `/Users?startIndex=${1 + Math.floor(Math.random() * 50)}&count=50`));
    if (roll < 0.94) {
      return void (await call('PUT', `/Users/${user.id}`, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: user.userName,
        displayName: `Put ${serial++}`,
        emails: [{ value: user.userName, primary: true }],
        active: user.active,
      }));
    }
    if (roll < 0.97 && users.length > 30) {
      users.splice(users.indexOf(user), 1);
      await call('DELETE', `/Users/${user.id}`);
      deleted.push(user.userName);
      return;
    }
    // Rule L5: the IdP assigns a deleted user again by POSTing the same userName.
    const again = deleted.shift();
    return again ? create(again) : void (await call('GET', '/ServiceProviderConfig'));
  };

  const startedAt = performance.now();
  const inFlight = new Set<Promise<void>>();
  let nextSample = SAMPLE_MS;
  let sent = 0;
  process.stdout.write('   t(s)   RSS(MB)   req/s  errors   p50(ms)  p95(ms)  p99(ms)\n');
  while (performance.now() - startedAt < SECONDS * 1000) {
    // Open loop: requests leave on schedule whether or not earlier ones have answered.
    const due = Math.floor(((performance.now() - startedAt) / 1000) * RATE);
    while (sent < due) {
      sent++;
      const request = action().catch(() => undefined);
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
    const elapsed = performance.now() - startedAt;
    if (elapsed >= nextSample) {
      const sorted = [...latencies].sort((a, b) => a - b);
      const sample: Sample = {
        atS: elapsed / 1000,
        rssMb: rssMb(pid),
        requests,
        errors,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
      };
      const previous = samples[samples.length - 1];
      const rate = (requests - (previous?.requests ?? 0)) / (elapsed / 1000 - (previous?.atS ?? 0));
      samples.push(sample);
      latencies = [];
      process.stdout.write(
        `${sample.atS.toFixed(0).padStart(7)} ${sample.rssMb.toFixed(1).padStart(9)} ${rate.toFixed(1).padStart(7)} ${String(errors).padStart(7)} ${sample.p50.toFixed(1).padStart(9)} ${sample.p95.toFixed(1).padStart(8)} ${sample.p99.toFixed(1).padStart(8)}\n`,
      );
      nextSample += SAMPLE_MS;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);

  const seconds = (performance.now() - startedAt) / 1000;
  // V8 lets the heap grow until a major GC, so RSS is a saw-tooth; a leak shows as rising troughs.
  // The trend is the least-squares slope of each window's lowest RSS over the run's second half.
  const floors = rssFloors(samples, quick ? 10 : 120);
  const secondHalf = floors.filter(([atMin]) => atMin * 60 >= SECONDS / 2);
  const rssSlope = slope(secondHalf);
  const rawSlope = slope(samples.filter((s) => s.atS >= SECONDS / 2).map((s) => [s.atS / 60, s.rssMb] as const));
  const achieved = requests / seconds;
  const worstP99 = Math.max(...samples.map((s) => s.p99));
  process.stdout.write(
    `soak result: ${requests} requests in ${seconds.toFixed(0)} s (${achieved.toFixed(1)}/s of ${RATE} asked), ${errors} errors, ` +
      `${users.length} live users, RSS ${samples[0]?.rssMb.toFixed(1)} -> ${samples[samples.length - 1]?.rssMb.toFixed(1)} MB, ` +
      `second-half slope of RSS troughs ${rssSlope.toFixed(2)} MB/min (bound ${MAX_SLOPE_MB_PER_MIN}; of all samples ${rawSlope.toFixed(2)}), worst p99 ${worstP99.toFixed(1)} ms\n`,
  );
  for (const sample of errorSamples) process.stdout.write(`  error: ${sample}\n`);
  const failures = [
    ...(errors > 0 ? [`${errors} errors`] : []),
    ...(rssSlope > MAX_SLOPE_MB_PER_MIN ? [`RSS troughs grow ${rssSlope.toFixed(2)} MB/min over the second half`] : []),
    ...(achieved < RATE * 0.9 ? [`held only ${achieved.toFixed(1)} of ${RATE} requests/s`] : []),
  ];
  process.stdout.write(failures.length === 0 ? 'soak: PASS\n' : `soak: FAIL (${failures.join('; ')})\n`);
  return failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`soak: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(2);
    },
  );
}
