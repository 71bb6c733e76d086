/**
 * Issue 15, finding 9: a write folded its whole stream, so a PATCH of a user
 * with thousands of revisions cost milliseconds of the api's one thread. This
 * figure PATCHes a user at revision ~10 and one at revision `long`, in turns
 * from one connection, on an api without the fold cache
 * (STREAM_STATE_CACHE_SIZE=0, the old path) and on one with it (the default).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { userStreamId } from '@scim-ledger/domain';
import { EventStore, EventToAppend } from '@scim-ledger/event-store';
import { NodeProcess, startApi } from './processes';
import { BenchTenant } from './seed';
import { median } from './stats';
import { BenchStorage } from './storage';

export interface LongStreamFigures {
  /** Revision of the long user when the measurement began. */
  readonly long: number;
  /** p50 of PATCHes at revision ~10 and at `long`, each api. */
  readonly withoutCache: { readonly shortP50Ms: number; readonly longP50Ms: number };
  readonly withCache: { readonly shortP50Ms: number; readonly longP50Ms: number };
}

export interface LongStreamOptions {
  readonly storage: BenchStorage;
  readonly store: EventStore;
  readonly tenant: BenchTenant;
  readonly env: Record<string, string>;
  readonly nodeFlags: readonly string[];
  /** The long user's revision: 2,000 quick, 10,000 full. */
  readonly long: number;
  /** Measured PATCHes of each user on each api. */
  readonly patches: number;
  /** Every process started, so the caller stops them on failure. */
  readonly processes: NodeProcess[];
  readonly caughtUp: () => Promise<void>;
  readonly log: (message: string) => void;
}

const SHORT = 10;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Starts and stops its own api processes; the caller's api must be stopped. */
export async function longStreamPatches(options: LongStreamOptions): Promise<LongStreamFigures> {
  const { tenant, env } = options;
  let api = await startApi({ env, nodeFlags: options.nodeFlags });
  options.processes.push(api.process);
  const scim = (baseUrl: string) => async (method: 'POST' | 'PATCH', path: string, body: unknown) => {
    const response = await fetch(`${baseUrl}/scim/v2/Users${path}`, {
      method,
      headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /Users${path}: ${response.status} ${text}`);
    return JSON.parse(text) as { id: string };
  };
  const user = (name: string) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: `${name}-${randomUUID().slice(0, 8)}@${tenant.id}.example.com`,
    active: true,
    displayName: name,
  });
  const rename = (displayName: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: displayName }] });
  const call = scim(api.baseUrl);
  const short = (await call('POST', '', user('short'))).id;
  const long = (await call('POST', '', user('long'))).id;
  for (let i = 1; i <= SHORT; i++) await call('PATCH', `/${short}`, rename(`short ${i}`));
  await api.process.stop();

  // The long user's revisions go straight to the store, as seedUsers does, with the api stopped.
  options.log(`  long stream: appending ${options.long} renames to one user`);
  for (let revision = 0; revision < options.long;) {
    const count = Math.min(500, options.long - revision);
    const events = Array.from({ length: count }, (_, i) => renamed(tenant.id, `long ${revision + i + 1}`));
    revision = (await options.store.append(userStreamId(long), events, revision)).nextExpectedRevision;
  }

  const measure = async (cacheSize: string | undefined) => {
    api = await startApi({ env: cacheSize === undefined ? env : { ...env, STREAM_STATE_CACHE_SIZE: cacheSize }, nodeFlags: options.nodeFlags });
    options.processes.push(api.process);
    await options.caughtUp();
    const patch = scim(api.baseUrl);
    const took = { short: [] as number[], long: [] as number[] };
    // A few unmeasured turns first: the api's first requests compile its code (and fill its cache).
    for (let i = -5; i < options.patches; i++) {
      for (const [which, id] of [
        ['short', short],
        ['long', long],
      ] as const) {
        const started = performance.now();
        await patch('PATCH', `/${id}`, rename(`${which} ${randomUUID().slice(0, 8)}`));
        if (i >= 0) took[which].push(performance.now() - started);
      }
    }
    await api.process.stop();
    return { shortP50Ms: median(took.short), longP50Ms: median(took.long) };
  };
  const withoutCache = await measure('0');
  options.log(
    `  PATCH p50 without the fold cache: ${withoutCache.shortP50Ms.toFixed(2)} ms at revision ~${SHORT}, ${withoutCache.longP50Ms.toFixed(2)} ms at ~${options.long}`,
  );
  const withCache = await measure(undefined);
  options.log(
    `  PATCH p50 with the fold cache: ${withCache.shortP50Ms.toFixed(2)} ms at revision ~${SHORT}, ${withCache.longP50Ms.toFixed(2)} ms at ~${options.long}`,
  );
  return { long: options.long, withoutCache, withCache };
}

/** A UserRenamed as the app appends it (libs/domain's user events, metadata of rule S1). */
function renamed(tenantId: string, displayName: string): EventToAppend {
  return {
    id: randomUUID(),
    type: 'UserRenamed',
    data: { displayName, givenName: null, familyName: null },
    metadata: {
      tenantId,
      actor: { kind: 'scim-token', id: 'bench' },
      requestId: randomUUID(),
      userAgent: 'scim-ledger-bench',
      clientAddress: '127.0.0.1',
      occurredAt: new Date().toISOString(),
      schemaVersion: 1,
    },
  };
}
