import { plainToInstance, Transform } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength, validateSync } from 'class-validator';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Every setting comes from an environment variable; the README's table lists
 * them. Validated at start-up with class-validator so a typo stops the process
 * with a message instead of surfacing as a 500 later.
 */
class Environment {
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  @IsOptional()
  @IsString()
  HOST = '0.0.0.0';

  @IsOptional()
  @IsString()
  DATA_DIR = './data';

  @IsOptional()
  @IsIn(['sqlite', 'postgres', 'eventstoredb'])
  EVENT_STORE: 'sqlite' | 'postgres' | 'eventstoredb' = 'sqlite';

  @IsOptional()
  @IsIn(['sqlite', 'postgres'])
  READ_MODEL: 'sqlite' | 'postgres' = 'sqlite';

  @IsOptional()
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  EVENTSTORE_URL?: string;

  @IsOptional()
  @IsIn(['in-process', 'external'])
  PROJECTOR: 'in-process' | 'external' = 'in-process';

  @IsOptional()
  @IsString()
  @MinLength(16)
  SCIM_BOOTSTRAP_TOKEN?: string;

  @IsOptional()
  @IsString()
  @MinLength(16)
  SCIM_BOOTSTRAP_API_SECRET?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  SCIM_BOOTSTRAP_TENANT = 'default';

  /** The origin (and path prefix, behind a proxy) of every URL the api answers with. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  PUBLIC_BASE_URL?: string;

  /** Host header values the api may answer with when PUBLIC_BASE_URL is unset, comma-separated (`host` or `host:port`). */
  @IsOptional()
  @IsString()
  ALLOWED_HOSTS?: string;

  @IsOptional()
  @IsString()
  @MinLength(16)
  ADMIN_OPERATOR_TOKEN?: string;

  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  READ_YOUR_WRITES_TIMEOUT_MS = 5000;

  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(10_000)
  PROJECTOR_BATCH_SIZE = 5000;

  /** How often an instance that does not project tries to take the projection lock over. */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(50)
  @Max(60_000)
  PROJECTOR_LOCK_POLL_MS = 1000;

  /** SQLite: a projection lease not renewed for this long is taken over by another process. */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(500)
  @Max(600_000)
  PROJECTOR_LEASE_TTL_MS = 10_000;

  /** SQLite: how often the projecting process renews its lease (well under PROJECTOR_LEASE_TTL_MS). */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(100)
  @Max(300_000)
  PROJECTOR_LEASE_RENEW_MS = 2000;

  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(10_000)
  SCIM_MAX_PAGE_SIZE = 200;

  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1024)
  MAX_BODY_BYTES = 1024 * 1024;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Requests one credential (or, without one, one address) may make per window; 0 switches the limit off. */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  RATE_LIMIT_MAX = 6000;

  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  RATE_LIMIT_WINDOW_MS = 60_000;

  /** Failed authentications (401) one address may have per window before all its requests get 429; 0: no limit. */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  AUTH_FAILURE_LIMIT = 100;

  /** Rule T3: where expiry reminders are mailed from, e.g. smtp://user:pass@host:587; without it they are only recorded. */
  @IsOptional()
  @IsUrl({ protocols: ['smtp', 'smtps'], require_protocol: true, require_tld: false })
  SMTP_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(3)
  SMTP_FROM = 'scim-ledger <no-reply@localhost>';

  /** Rule T3: where reminders of a tenant without notification contacts go. */
  @IsOptional()
  @IsEmail({ require_tld: false })
  ADMIN_NOTIFICATION_EMAIL?: string;

  /**
   * At most a day: the 1-day reminder's window is one day wide (rule T3), so a
   * longer interval could step over it. 0 switches the scheduler off.
   */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  REMINDER_INTERVAL_MS = 3_600_000;

  /** How often preserved users past their profile's auto-delete period are deleted for good (rule L10); 0 switches it off. */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  AUTO_DELETE_INTERVAL_MS = 3_600_000;

  /**
   * How many folded streams (users, tenants, address claims, profile seats) the api keeps, so a write reads only
   * the events after the folded revision; a profile's seat stream counts one more per 16 seat holders. 0 switches it off.
   */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  STREAM_STATE_CACHE_SIZE = 10_000;

  /**
   * Expensive SCIM reads (list pages, and filters with a term no index serves) one tenant may have running at once;
   * more wait in its queue, beyond that 429. Indexed lookups (`userName eq`) are never held. 0 switches the limit off.
   */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(1000)
  SCIM_EXPENSIVE_READS_PER_TENANT = 1;

  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(10_000)
  SCIM_EXPENSIVE_READ_QUEUE_PER_TENANT = 8;

  /** Expensive reads running at once over all tenants; a freed place goes to the waiting tenants in turn. */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(1000)
  SCIM_EXPENSIVE_READS_TOTAL = 4;

  /** How long one expensive SCIM read may run in the database before it is cancelled with 503; 0: no bound. */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(600_000)
  SCIM_QUERY_TIMEOUT_MS = 2000;

  /**
   * SQLite read model: worker threads with their own read-only connection for expensive reads; 0 runs them on the
   * main thread. One core less than the machine has (at least 1, at most 4), so the event loop keeps a core of its own.
   */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(64)
  SQLITE_READ_WORKERS = Math.max(1, Math.min(4, availableParallelism() - 1));

  /**
   * GET /health/ready answers 503 once the oldest event the read model does not hold yet is older than this
   * (issue 20, item 1): the api then serves reads staler than an IdP expects. 0: the projector's lag is not checked.
   */
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  READY_MAX_PROJECTOR_LAG_MS = 30_000;

  /**
   * Which proxies in front of the api to believe about the client's address (X-Forwarded-For) and scheme
   * (X-Forwarded-Proto), as Fastify's trustProxy takes it: a hop count, `true`, or addresses and CIDRs (issue 20, item 4).
   */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  /** Bearer token Prometheus sends to GET /metrics (issue 20, item 2); unset, the route is open (keep it off the internet). */
  @IsOptional()
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string;

  /** bench/: serve GET /scim/v2/bench-noop, the framework ceiling the filtered GETs are compared with. Never in production. */
  @IsOptional()
  @IsIn(['0', '1'])
  BENCH_NOOP_ROUTE: '0' | '1' = '0';
}

export type EventStoreConfig =
  | { readonly type: 'sqlite'; readonly file: string }
  | { readonly type: 'postgres'; readonly url: string }
  | { readonly type: 'eventstoredb'; readonly url: string };

export type ReadModelConfig = { readonly type: 'sqlite'; readonly file: string } | { readonly type: 'postgres'; readonly url: string };

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly eventStore: EventStoreConfig;
  readonly readModel: ReadModelConfig;
  readonly projector: 'in-process' | 'external';
  /** Most events the projector commits in one transaction. */
  readonly projectorBatchSize: number;
  /** One projector per read model across processes: the lock's timings (see libs/read-model projection-lock). */
  readonly projectorLock: { readonly pollIntervalMs: number; readonly leaseTtlMs: number; readonly leaseRenewMs: number };
  /** The largest page a SCIM list serves, whatever `count` asks (RFC 7644 §3.4.2.4). */
  readonly maxPageSize: number;
  readonly bootstrapToken: string | undefined;
  /** The secret of the bootstrap tenant's admin API credential, when the operator chooses it (like the SCIM token). */
  readonly bootstrapApiSecret: string | undefined;
  readonly bootstrapTenant: string;
  readonly publicBaseUrl: string | undefined;
  /** Lower-cased `host` or `host:port` values a request's Host header may name to be used in URLs; empty: none. */
  readonly allowedHosts: readonly string[];
  /** Bearer token of the operator who creates tenants; the admin API's operator routes are closed without it. */
  readonly adminOperatorToken: string | undefined;
  readonly readYourWritesTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly logLevel: string;
  /** Per-credential request budget (429 with Retry-After beyond it); max 0: no limit. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number; readonly authFailures: number };
  /** Rule T3 decision: reminders before a SCIM token expires, recorded as events and mailed. */
  readonly expiryReminders: ExpiryRemindersConfig;
  /** Period of the preserved-user auto-delete job (rule L10); 0 = off. */
  readonly autoDeleteIntervalMs: number;
  /** Capacity of the folded-stream cache (DecidedStreams); 0: every write folds its whole stream. */
  readonly streamStateCacheSize: number;
  /** BENCH_NOOP_ROUTE=1: the bench's no-op SCIM route is served. */
  readonly benchNoopRoute: boolean;
  /** Per-tenant bound on expensive SCIM reads (issue 15, finding 3); perTenant 0: no bound. */
  readonly expensiveReads: ExpensiveReadsConfig;
  /** Longest an expensive SCIM read may run in the database; 0: no bound. */
  readonly queryTimeoutMs: number;
  /** Worker threads answering expensive reads on a SQLite read model file; 0: the main thread. */
  readonly sqliteReadWorkers: number;
  /** What GET /health/ready checks beyond the databases answering (issue 20, item 1). */
  readonly readiness: { readonly maxProjectorLagMs: number };
  /**
   * Fastify's trustProxy: false (the socket's address is the client's), true (the left-most X-Forwarded-For), a hop
   * count, or the proxies' addresses and CIDRs. Decides request.ip: the rate limits', the failure limit's and the
   * audit trail's client address.
   */
  readonly trustProxy: TrustProxy;
  /** GET /metrics answers only with this bearer token; undefined: to anyone. */
  readonly metricsToken: string | undefined;
}

export type TrustProxy = boolean | number | readonly string[];

export interface ExpensiveReadsConfig {
  readonly perTenant: number;
  readonly queuePerTenant: number;
  readonly total: number;
}

export interface ExpiryRemindersConfig {
  /** How often the scheduler looks for due reminders; 0: never (tests call it directly). */
  readonly intervalMs: number;
  /** null without SMTP_URL: reminders are then recorded but not mailed. */
  readonly email: { readonly smtpUrl: string; readonly from: string; readonly fallbackTo: string | null } | null;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = plainToInstance(Environment, defined);
  const errors = validateSync(parsed, { whitelist: false });
  if (errors.length > 0) {
    throw new ConfigError(errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`).join('; '));
  }
  const dataDir = resolve(parsed.DATA_DIR);
  // The embedded default: event store and read model share one SQLite file.
  const sqliteFile = join(dataDir, 'scim-ledger.sqlite');
  const needPostgres = () => {
    if (!parsed.DATABASE_URL) throw new ConfigError('DATABASE_URL is required when EVENT_STORE or READ_MODEL is postgres');
    return parsed.DATABASE_URL;
  };
  const eventStore: EventStoreConfig =
    parsed.EVENT_STORE === 'sqlite'
      ? { type: 'sqlite', file: sqliteFile }
      : parsed.EVENT_STORE === 'postgres'
        ? { type: 'postgres', url: needPostgres() }
        : { type: 'eventstoredb', url: requireEventStoreUrl(parsed.EVENTSTORE_URL) };
  const readModel: ReadModelConfig = parsed.READ_MODEL === 'sqlite' ? { type: 'sqlite', file: sqliteFile } : { type: 'postgres', url: needPostgres() };
  return {
    port: parsed.PORT,
    host: parsed.HOST,
    dataDir,
    eventStore,
    readModel,
    projector: parsed.PROJECTOR,
    projectorBatchSize: parsed.PROJECTOR_BATCH_SIZE,
    projectorLock: { pollIntervalMs: parsed.PROJECTOR_LOCK_POLL_MS, leaseTtlMs: parsed.PROJECTOR_LEASE_TTL_MS, leaseRenewMs: leaseRenewMs(parsed) },
    maxPageSize: parsed.SCIM_MAX_PAGE_SIZE,
    bootstrapToken: parsed.SCIM_BOOTSTRAP_TOKEN,
    bootstrapApiSecret: parsed.SCIM_BOOTSTRAP_API_SECRET,
    bootstrapTenant: parsed.SCIM_BOOTSTRAP_TENANT,
    publicBaseUrl: parsed.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    allowedHosts: parseAllowedHosts(parsed.ALLOWED_HOSTS),
    adminOperatorToken: parsed.ADMIN_OPERATOR_TOKEN,
    readYourWritesTimeoutMs: parsed.READ_YOUR_WRITES_TIMEOUT_MS,
    maxBodyBytes: parsed.MAX_BODY_BYTES,
    logLevel: parsed.LOG_LEVEL,
    autoDeleteIntervalMs: parsed.AUTO_DELETE_INTERVAL_MS,
    rateLimit: { max: parsed.RATE_LIMIT_MAX, windowMs: parsed.RATE_LIMIT_WINDOW_MS, authFailures: parsed.AUTH_FAILURE_LIMIT },
    expiryReminders: {
      intervalMs: parsed.REMINDER_INTERVAL_MS,
      // Rule T3: each tenant's contacts first; the operator's address only for a tenant without any, so it is optional.
      email: parsed.SMTP_URL ? { smtpUrl: parsed.SMTP_URL, from: parsed.SMTP_FROM, fallbackTo: parsed.ADMIN_NOTIFICATION_EMAIL ?? null } : null,
    },
    streamStateCacheSize: parsed.STREAM_STATE_CACHE_SIZE,
    benchNoopRoute: parsed.BENCH_NOOP_ROUTE === '1',
    expensiveReads: {
      perTenant: parsed.SCIM_EXPENSIVE_READS_PER_TENANT,
      queuePerTenant: parsed.SCIM_EXPENSIVE_READ_QUEUE_PER_TENANT,
      total: parsed.SCIM_EXPENSIVE_READS_TOTAL,
    },
    queryTimeoutMs: parsed.SCIM_QUERY_TIMEOUT_MS,
    sqliteReadWorkers: parsed.SQLITE_READ_WORKERS,
    readiness: { maxProjectorLagMs: parsed.READY_MAX_PROJECTOR_LAG_MS },
    metricsToken: parsed.METRICS_TOKEN,
    trustProxy: parseTrustProxy(parsed.TRUST_PROXY),
  };
}

/** A renewal at or past the TTL would let the lease lapse between renewals: refused at start-up. */
function leaseRenewMs(parsed: Environment): number {
  if (parsed.PROJECTOR_LEASE_RENEW_MS * 2 > parsed.PROJECTOR_LEASE_TTL_MS) {
    throw new ConfigError('PROJECTOR_LEASE_RENEW_MS must be at most half of PROJECTOR_LEASE_TTL_MS');
  }
  return parsed.PROJECTOR_LEASE_RENEW_MS;
}

/** A DNS name (RFC 1123 labels), an IPv4 address, or an IPv6 address in brackets; then an optional port. */
const HOST = /^(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/;

/** ALLOWED_HOSTS: every entry a host or host:port, compared with the Host header case-insensitively. */
export function parseAllowedHosts(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split(',').map((entry) => {
    const host = entry.trim().toLowerCase();
    const match = HOST.exec(host);
    if (!match || host.length > 260 || (match[1] !== undefined && Number(match[1]) > 65535)) {
      throw new ConfigError(`ALLOWED_HOSTS: ${JSON.stringify(entry.trim())} is not a host or host:port (comma-separated, no scheme or path)`);
    }
    return host;
  });
}

/** proxy-addr's names for address ranges, which Fastify's trustProxy list accepts beside addresses and CIDRs. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY as Fastify's trustProxy takes it. A typo must stop start-up:
 * a list entry Fastify could not read would trust nobody (every client one
 * address again), and a bad `true` would let any client choose its address.
 */
export function parseTrustProxy(text: string | undefined): TrustProxy {
  const value = text?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
  return value.split(',').map((entry) => {
    const range = entry.trim();
    if (NAMED_RANGES.includes(range)) return range;
    const [address, prefix, extra] = range.split('/');
    const version = isIP(address ?? '');
    const fits = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32));
    if (version === 0 || !fits || extra !== undefined) {
      throw new ConfigError(
        `TRUST_PROXY: ${JSON.stringify(range)} is not an address, a CIDR or one of ${NAMED_RANGES.join(', ')} (or set a hop count, true or false)`,
      );
    }
    return range;
  });
}

function requireEventStoreUrl(url: string | undefined): string {
  if (!url) throw new ConfigError('EVENTSTORE_URL is required when EVENT_STORE is eventstoredb');
  return url;
}
