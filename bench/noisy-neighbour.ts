/**
 * Issue 15, finding 3: one tenant's filters stalled every tenant. One tenant
 * with `users` users sends expensive filters from 10 connections (10 in
 * flight), while another tenant's IdP looks its users up by userName from 2
 * connections; the figure is that lookup's p99. Two floods, one after the
 * other: the finding's ~150 `co` terms (now refused by the filter budget),
 * and the most a filter may hold within the budget (10 `co` terms, each
 * reading every user of the tenant), which still runs.
 */
import { EventStore } from '@scim-ledger/event-store';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PhaseResult } from './load';
import { NodeProcess, startApi } from './processes';
import { performance } from 'node:perf_hooks';
import { BenchTenant, seedUsers, seededUserName } from './seed';
import { percentile } from './stats';
import { createTenants } from './tenants';

export interface NoisyNeighbourFigures {
  /** Users of the flooding tenant. */
  readonly users: number;
  readonly floodConnections: number;
  /** The finding's filter: ~150 co terms. */
  readonly overBudget: { readonly flood: PhaseResult; readonly quiet: PhaseResult };
  /** The most expensive filter the budget lets through. */
  readonly withinBudget: { readonly flood: PhaseResult; readonly quiet: PhaseResult };
}

export interface NoisyNeighbourOptions {
  readonly store: EventStore;
  readonly env: Record<string, string>;
  readonly nodeFlags: readonly string[];
  /** Users of the flooding tenant: 20,000 in both presets. */
  readonly users: number;
  readonly seconds: number;
  readonly processes: NodeProcess[];
  readonly caughtUp: () => Promise<void>;
  readonly log: (message: string) => void;
}

const FLOOD_CONNECTIONS = 10;
const QUIET_CONNECTIONS = 2;
const QUIET_USERS = 1000;

/** Terms that match nobody, so every term is tested on every user (an OR stops at none). */
const containsTerms = (count: number) => Array.from({ length: count }, (_, i) => `displayName co "zz${i}q"`).join(' or ');
export const FINDING_FILTER = containsTerms(150);
/** MAX_UNINDEXED_FILTER_TERMS of libs/scim, written out so the same bench measures code from before the budget. */
const WITHIN_BUDGET_TERMS = 10;
export const WITHIN_BUDGET_FILTER = containsTerms(WITHIN_BUDGET_TERMS);

/** Starts and stops its own api; the caller's api must be stopped (the seeding appends straight to the store). */
export async function noisyNeighbour(options: NoisyNeighbourOptions): Promise<NoisyNeighbourFigures> {
  let api = await startApi({ env: options.env, nodeFlags: options.nodeFlags });
  options.processes.push(api.process);
  const [noisy, quiet] = await createTenants(api.baseUrl, 2, `noisy-${Date.now().toString(36)}`);
  await api.process.stop();
  options.log(`  noisy neighbour: seeding ${options.users} users of ${noisy.id} and ${QUIET_USERS} of ${quiet.id}`);
  await seedUsers(options.store, [noisy], 0, options.users);
  await seedUsers(options.store, [quiet], 0, QUIET_USERS);
  api = await startApi({ env: options.env, nodeFlags: options.nodeFlags });
  options.processes.push(api.process);
  await options.caughtUp();

  const measure = async (filter: string, name: string) => {
    const path = `/scim/v2/Users?filter=${encodeURIComponent(filter)}&count=10`;
    const [flood, lookups] = await Promise.all([
      floodFromOwnProcess(`flood (${name})`, `${api.baseUrl}${path}`, noisy.token, options.seconds),
      quietLookups(api.baseUrl, quiet, options.seconds),
    ]);
    options.log(
      `  ${name}: other tenant's userName eq p50 ${lookups.p50Ms} ms p99 ${lookups.p99Ms} ms max ${lookups.maxMs} ms (${lookups.ok} answered, codes ${JSON.stringify(lookups.statusCodes)}); ` +
        `flood ${flood.perSecond.toFixed(0)} 2xx/s, codes ${JSON.stringify(flood.statusCodes)}`,
    );
    if (lookups.ok === 0 || lookups.non2xx > 0 || lookups.errors > 0) throw new Error(`the other tenant's lookups failed: ${JSON.stringify(lookups)}`);
    return { flood, quiet: lookups };
  };
  const overBudget = await measure(FINDING_FILTER, '150 co terms');
  const withinBudget = await measure(WITHIN_BUDGET_FILTER, `${WITHIN_BUDGET_TERMS} co terms`);
  await api.process.stop();
  return { users: options.users, floodConnections: FLOOD_CONNECTIONS, overBudget, withinBudget };
}

/**
 * The flood runs autocannon in a process of its own, so the bench's event
 * loop, which times the other tenant's lookups, is not busy sending it.
 */
function floodFromOwnProcess(phase: string, url: string, token: string, seconds: number): Promise<PhaseResult> {
  const cli = join(require.resolve('autocannon/package.json'), '..', 'autocannon.js');
  const child = spawn(
    process.execPath,
    [cli, '-c', String(FLOOD_CONNECTIONS), '-d', String(seconds), '-t', '30', '-j', '-H', `authorization=Bearer ${token}`, url],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${output.slice(-500)}`));
      const result = JSON.parse(output) as {
        duration: number;
        latency: { p50: number; p99: number; max: number };
        errors: number;
        non2xx: number;
        '2xx': number;
        statusCodeStats?: Record<string, { count: number }>;
      };
      resolve({
        phase,
        perSecond: result['2xx'] / result.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        maxMs: result.latency.max,
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
      });
    });
  });
}

/**
 * The other tenant's lookups, timed one by one from the bench's own loops, so
 * a lookup stalled past the phase's end still counts with its whole latency
 * (autocannon drops the requests in flight when its duration ends).
 */
async function quietLookups(baseUrl: string, tenant: BenchTenant, seconds: number): Promise<PhaseResult> {
  const deadline = performance.now() + seconds * 1000;
  const took: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      const { userName } = seededUserName(Math.floor(Math.random() * QUIET_USERS), [tenant]);
      const started = performance.now();
      try {
        const response = await fetch(`${baseUrl}/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, {
          headers: { authorization: `Bearer ${tenant.token}` },
        });
        const body = (await response.json()) as { totalResults?: number };
        took.push(performance.now() - started);
        const code = response.status === 200 && body.totalResults !== 1 ? 'wrong answer' : String(response.status);
        statusCodes[code] = (statusCodes[code] ?? 0) + 1;
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: QUIET_CONNECTIONS }, loop));
  const ok = statusCodes['200'] ?? 0;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    phase: 'other tenant userName eq',
    perSecond: ok / ((performance.now() - started) / 1000),
    p50Ms: round(percentile(took, 50)),
    p99Ms: round(percentile(took, 99)),
    maxMs: round(Math.max(...took)),
    ok,
    non2xx: took.length - ok,
    errors,
    statusCodes,
  };
}
