import type { EventStore } from '@scim-ledger/event-store';
import { startApi, type NodeProcess } from './processes';
import { percentile } from './stats';
import { createTenants } from './tenants';
import { seedUsers } from './seed';
import type { BenchStorage } from './storage';

const SCIM_JSON = 'application/scim+json';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Issue 19's own figure: one PATCH adding 1,000 members. */
const BATCH = 1000;
/** Issue 19: 100 parallel single-member adds to one group must leave exactly 100 members. */
const PARALLEL_ADDS = 100;
/** Reads of the large group, each way. */
const READS = 20;

export interface TimedRequests {
  readonly count: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface GroupFigures {
  /** Members of the large group once every batch is in. */
  readonly members: number;
  /** PATCHes adding BATCH members each, one after another, as a group of `members` is filled. */
  readonly batchPatches: TimedRequests;
  /** PARALLEL_ADDS PATCHes adding one member each to one group, all at once; `lost` is how many did not stay. */
  readonly parallelAdds: TimedRequests & { readonly lost: number };
  readonly getWithoutMembers: TimedRequests;
  readonly getWithMembers: TimedRequests;
}

/**
 * Issue 19, item 7, on an api of its own: a tenant of `members` users
 * (seeded through the port with the api stopped), one group filled with
 * them BATCH at a time, the parallel single-member adds, and GETs of the full
 * group with and without `excludedAttributes=members` (Entra reads groups so).
 * Sequential requests from one client: the figures are per request, not a
 * saturation of the api.
 */
export async function groupFigures(options: {
  readonly storage: BenchStorage;
  readonly store: EventStore;
  readonly env: Record<string, string>;
  readonly nodeFlags: readonly string[];
  readonly members: number;
  readonly processes: NodeProcess[];
  readonly caughtUp: () => Promise<void>;
  readonly log: (message: string) => void;
}): Promise<GroupFigures> {
  const { storage, store, members, log } = options;
  let api = await startApi({ env: options.env, nodeFlags: [...options.nodeFlags] });
  options.processes.push(api.process);
  const [tenant] = await createTenants(api.baseUrl, 1, `groups-${Date.now().toString(36)}`);
  await api.process.stop();
  log(`  groups: seeding ${members} users of ${tenant.id}`);
  await seedUsers(store, [tenant], 0, members, 2000);
  api = await startApi({ env: options.env, nodeFlags: [...options.nodeFlags] });
  options.processes.push(api.process);
  await options.caughtUp();
  const userIds = await storage.userIdsOf(tenant.id, members);
  if (userIds.length < members) throw new Error(`groups: ${userIds.length} of ${members} users of ${tenant.id} in the read model`);

  const scim = async (method: string, path: string, body?: unknown): Promise<{ status: number; ms: number; json: Record<string, unknown> | null }> => {
    const started = performance.now();
    const response = await fetch(`${api.baseUrl}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${tenant.token}`, 'content-type': SCIM_JSON },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    if (response.status >= 300) throw new Error(`groups: ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return { status: response.status, ms, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };
  const createGroup = async (displayName: string) => String((await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName, members: [] })).json!.id);
  const addMembers = (groupId: string, ids: readonly string[]) =>
    scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }],
    });

  const large = await createGroup('Everyone');
  const batchTimes: number[] = [];
  const batchesStarted = performance.now();
  for (let start = 0; start < userIds.length; start += BATCH) batchTimes.push((await addMembers(large, userIds.slice(start, start + BATCH))).ms);
  const batchPatches = timed(batchTimes, performance.now() - batchesStarted);
  log(
    `  groups: ${batchTimes.length} PATCHes of ${BATCH} members: ${batchPatches.perSecond.toFixed(1)}/s p50 ${batchPatches.p50Ms} ms p99 ${batchPatches.p99Ms} ms`,
  );

  const contended = await createGroup('Added in parallel');
  const parallelStarted = performance.now();
  const adds = await Promise.all(userIds.slice(0, PARALLEL_ADDS).map((id) => addMembers(contended, [id])));
  const parallelTimes = adds.map((add) => add.ms);
  const kept = await scim('GET', `/Groups/${contended}`);
  const lost = PARALLEL_ADDS - ((kept.json!.members as unknown[] | undefined)?.length ?? 0);
  const parallelAdds = { ...timed(parallelTimes, performance.now() - parallelStarted), lost };
  log(`  groups: ${PARALLEL_ADDS} parallel single-member adds: ${parallelAdds.perSecond.toFixed(0)}/s p99 ${parallelAdds.p99Ms} ms, ${lost} lost`);
  if (lost !== 0) throw new Error(`groups: ${lost} of ${PARALLEL_ADDS} parallel member adds were lost`);

  const reads = async (query: string) => {
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; i < READS; i++) times.push((await scim('GET', `/Groups/${large}${query}`)).ms);
    return timed(times, performance.now() - started);
  };
  const getWithoutMembers = await reads('?excludedAttributes=members');
  const getWithMembers = await reads('');
  log(`  groups: GET of ${members} members: ${getWithMembers.p50Ms} ms p50; with excludedAttributes=members ${getWithoutMembers.p50Ms} ms p50`);
  await api.process.stop();
  return { members: userIds.length, batchPatches, parallelAdds, getWithoutMembers, getWithMembers };
}

function timed(times: readonly number[], elapsedMs: number): TimedRequests {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    count: times.length,
    perSecond: times.length / (elapsedMs / 1000),
    p50Ms: Math.round(percentile(sorted, 50)),
    p99Ms: Math.round(percentile(sorted, 99)),
  };
}
