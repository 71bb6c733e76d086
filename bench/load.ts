import { BenchTenant, seededUserName } from './seed';
import { SampledUser } from './storage';

// autocannon ships no types; this is the part of its API the bench uses.
const autocannon: (options: Record<string, unknown>) => Promise<AutocannonResult> = require('autocannon');

interface Histogram {
  average: number;
  p50: number;
  p99: number;
  max: number;
}

interface AutocannonResult {
  duration: number;
  latency: Histogram;
  requests: Histogram & { total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}

export interface PhaseResult {
  readonly phase: string;
  /** Answers with a 2xx status per second. */
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly statusCodes: Record<string, number>;
}

export interface RequestSpec {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: RequestSpec, context: Record<string, unknown>) => RequestSpec;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

export interface LoadOptions {
  readonly baseUrl: string;
  readonly connections: number;
  readonly seconds: number;
}

const SCIM_JSON = 'application/scim+json';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export async function fire(phase: string, options: LoadOptions, requests: RequestSpec[]): Promise<PhaseResult> {
  const result = await autocannon({
    url: options.baseUrl,
    connections: options.connections,
    duration: options.seconds,
    timeout: 20,
    requests,
  });
  const ok = result['2xx'];
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
  return {
    phase,
    perSecond: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
  };
}

const auth = (token: string, body = false): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  ...(body ? { 'content-type': SCIM_JSON } : {}),
});

/** An Entra ID-shaped user, as test/support/test-app.ts's entraUser. */
export function entraUser(userName: string, displayName = `Display ${userName}`): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    externalId: `obj-${userName}`,
    userName,
    active: true,
    displayName,
    emails: [{ primary: true, type: 'work', value: userName }],
    name: { formatted: 'Given Family', familyName: 'Family', givenName: 'Given' },
  };
}

const byUserName = (userName: string) => `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`;

/** Each connection is one IdP: it keeps the tenant it was given first. */
function tenantOf(context: Record<string, unknown>, tenants: readonly BenchTenant[], next: () => number): BenchTenant {
  if (context.tenant === undefined) context.tenant = tenants[next() % tenants.length];
  return context.tenant as BenchTenant;
}

/** POST /Users with new, unique userNames: what an IdP's initial sync does. */
export function creates(options: LoadOptions, tenants: readonly BenchTenant[], tag: string): Promise<PhaseResult> {
  let connection = 0;
  let serial = 0;
  return fire('create', options, [
    {
      method: 'POST',
      path: '/scim/v2/Users',
      setupRequest: (request, context) => {
        const tenant = tenantOf(context, tenants, () => connection++);
        return { ...request, headers: auth(tenant.token, true), body: JSON.stringify(entraUser(`c-${tag}-${serial++}@${tenant.id}.example.com`)) };
      },
    },
  ]);
}

/** GET /Users?filter=userName eq "…" for random seeded users: the lookup an IdP sends before every create. */
export function filteredGets(options: LoadOptions, tenants: readonly BenchTenant[], seeded: number): Promise<PhaseResult> {
  return fire('filtered GET', options, [
    {
      method: 'GET',
      setupRequest: (request) => {
        const { userName, tenant } = seededUserName(Math.floor(Math.random() * seeded), tenants);
        return { ...request, path: byUserName(userName), headers: auth(tenant.token) };
      },
    },
  ]);
}

/** The framework ceiling: the same auth and JSON answer, no query (BENCH_NOOP_ROUTE=1). */
export function noops(options: LoadOptions, tenants: readonly BenchTenant[]): Promise<PhaseResult> {
  let connection = 0;
  return fire('no-op', options, [
    {
      method: 'GET',
      path: '/scim/v2/bench-noop',
      setupRequest: (request, context) => ({ ...request, headers: auth(tenantOf(context, tenants, () => connection++).token) }),
    },
  ]);
}

/** List pages of 100 from the first 1,000 users of a tenant, as an IdP import walks them. */
export function listPages(options: LoadOptions, tenants: readonly BenchTenant[]): Promise<PhaseResult> {
  let connection = 0;
  return fire('list page', options, [
    {
      method: 'GET',
      setupRequest: (request, context) => {
        const tenant = tenantOf(context, tenants, () => connection++);
        const startIndex = 1 + 100 * Math.floor(Math.random() * 10);
        return { ...request, path: `/scim/v2/Users?startIndex=${startIndex}&count=100`, headers: auth(tenant.token) };
      },
    },
  ]);
}

function tokenOf(tenants: readonly BenchTenant[], tenantId: string): string {
  const tenant = tenants.find((t) => t.id === tenantId);
  if (!tenant) throw new Error(`no token for tenant ${tenantId}`);
  return tenant.token;
}

/** PATCH active False, then True on the next pass: Entra ID's disable and enable. */
export function patchActive(options: LoadOptions, tenants: readonly BenchTenant[], users: readonly SampledUser[]): Promise<PhaseResult> {
  let k = 0;
  return fire('PATCH active', options, [
    {
      method: 'PATCH',
      setupRequest: (request) => {
        const user = users[k % users.length];
        const value = Math.floor(k / users.length) % 2 === 0 ? 'False' : 'True';
        k += 1;
        return {
          ...request,
          path: `/scim/v2/Users/${user.id}`,
          headers: auth(tokenOf(tenants, user.tenantId), true),
          body: JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value }] }),
        };
      },
    },
  ]);
}

/** PUT the whole user with a new displayName: Okta's update. */
export function puts(options: LoadOptions, tenants: readonly BenchTenant[], users: readonly SampledUser[]): Promise<PhaseResult> {
  let k = 0;
  return fire('PUT', options, [
    {
      method: 'PUT',
      setupRequest: (request) => {
        const user = users[k % users.length];
        k += 1;
        return {
          ...request,
          path: `/scim/v2/Users/${user.id}`,
          headers: auth(tokenOf(tenants, user.tenantId), true),
          body: JSON.stringify(entraUser(user.userName, `Renamed ${k}`)),
        };
      },
    },
  ]);
}

/**
 * An IdP's provisioning cycle per connection: look the userName up (absent),
 * create it, look it up again, disable it with PATCH, rename it with PUT, and
 * read a list page.
 */
export function idpMix(options: LoadOptions, tenants: readonly BenchTenant[], tag: string): Promise<PhaseResult> {
  let connection = 0;
  let serial = 0;
  return fire('IdP mix', options, [
    {
      method: 'GET',
      setupRequest: (request, context) => {
        const tenant = tenantOf(context, tenants, () => connection++);
        context.userName = `m-${tag}-${serial++}@${tenant.id}.example.com`;
        return { ...request, path: byUserName(context.userName as string), headers: auth(tenant.token) };
      },
    },
    {
      method: 'POST',
      path: '/scim/v2/Users',
      setupRequest: (request, context) => ({
        ...request,
        headers: auth((context.tenant as BenchTenant).token, true),
        body: JSON.stringify(entraUser(context.userName as string)),
      }),
      onResponse: (status, body, context) => {
        if (status === 201) context.id = (JSON.parse(body) as { id: string }).id;
      },
    },
    {
      method: 'GET',
      setupRequest: (request, context) => ({ ...request, path: byUserName(context.userName as string), headers: auth((context.tenant as BenchTenant).token) }),
    },
    {
      method: 'PATCH',
      setupRequest: (request, context) => ({
        ...request,
        path: `/scim/v2/Users/${context.id as string}`,
        headers: auth((context.tenant as BenchTenant).token, true),
        body: JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }),
      }),
    },
    {
      method: 'PUT',
      setupRequest: (request, context) => ({
        ...request,
        path: `/scim/v2/Users/${context.id as string}`,
        headers: auth((context.tenant as BenchTenant).token, true),
        body: JSON.stringify(entraUser(context.userName as string, 'Renamed')),
      }),
    },
    {
      method: 'GET',
      setupRequest: (request, context) => ({ ...request, path: '/scim/v2/Users?startIndex=1&count=100', headers: auth((context.tenant as BenchTenant).token) }),
    },
  ]);
}
