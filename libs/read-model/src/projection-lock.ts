import { Logger } from '@nestjs/common';
import type { Mutex } from 'async-mutex';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ReadModelDatabase } from './read-model.data-source';

/**
 * Lets exactly one projector write a read model at a time, however many api
 * or projector processes share its database. Two projectors on one read
 * model each applied batches the other had read past: duplicate keys on the
 * admin tables (the projection paused) and older rows written over newer
 * ones (stale reads after a 2xx).
 */
export interface ProjectionLock {
  /**
   * Waits until this process holds the lock; the answer aborts when the lock
   * is lost (its connection or lease gone). Null when `signal` aborted first.
   */
  acquire(signal: AbortSignal): Promise<AbortSignal | null>;
  /** Gives the lock up, so another instance takes over at once rather than after a time-out. */
  release(): Promise<void>;
  /** Who this process is, as the lock's holder shows it. */
  readonly holder: string;
}

export interface ProjectionLockTimings {
  /** How often an instance without the lock tries to take it. */
  readonly pollIntervalMs: number;
  /** SQLite: a lease not renewed for this long is taken over (its holder died without releasing it). */
  readonly leaseTtlMs: number;
  /** SQLite: how often the holder renews its lease; well under the TTL. */
  readonly leaseRenewMs: number;
}

export const DEFAULT_PROJECTION_LOCK_TIMINGS: ProjectionLockTimings = { pollIntervalMs: 1000, leaseTtlMs: 10_000, leaseRenewMs: 2000 };

/** The one holder identity for both databases: the test (and an operator) can tell which process projects. */
function holderIdentity(): string {
  return `scim-ledger projector pid ${process.pid} on ${hostname()} ${randomUUID().slice(0, 8)}`;
}

/** True when `holder` names a process on this machine that no longer runs. */
function holderIsGone(holder: string): boolean {
  const match = /^scim-ledger projector pid (\d+) on (\S+) /.exec(holder);
  if (!match || match[2] !== hostname()) return false;
  try {
    process.kill(Number(match[1]), 0);
    return false;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The projection lock for the read model's database: an advisory lock on PostgreSQL, a lease row on SQLite. */
export function projectionLockFor(
  database: ReadModelDatabase,
  dataSource: DataSource,
  options: { writeLock?: Mutex; timings?: Partial<ProjectionLockTimings> } = {},
): ProjectionLock {
  const timings = { ...DEFAULT_PROJECTION_LOCK_TIMINGS, ...options.timings };
  return database.type === 'postgres'
    ? new PostgresAdvisoryProjectionLock(database.url, timings)
    : new SqliteLeaseProjectionLock(dataSource, timings, options.writeLock);
}

/**
 * A session-level advisory lock on a connection of its own, held for the
 * projector's lifetime. PostgreSQL releases it when that connection ends, so
 * a holder killed with SIGKILL loses it as soon as the server sees the socket
 * close; the others try every poll interval. A keep-alive query notices a
 * connection that died silently (the server restarted, the network cut), and
 * keeps the session from the server's idle time-out, which ends the session
 * of a holder that stopped running without dying.
 */
export class PostgresAdvisoryProjectionLock implements ProjectionLock {
  /** Advisory locks are per database: one fixed key, "scim-ledger read-model projector" as a number. */
  static readonly KEY = '7308722165317791810';
  private readonly logger = new Logger('ProjectionLock');
  readonly holder = holderIdentity();
  private client: Client | null = null;
  private keepAlive: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly timings: ProjectionLockTimings,
  ) {}

  async acquire(signal: AbortSignal): Promise<AbortSignal | null> {
    await this.release();
    while (!signal.aborted) {
      const client = new Client({ connectionString: this.url, application_name: this.holder.slice(0, 63) });
      // An error on an idle client is emitted, not thrown: without a listener it would end the process.
      const lost = new AbortController();
      client.on('error', (error) => lost.abort(error));
      client.on('end', () => lost.abort(new Error('the lock connection ended')));
      try {
        await client.connect();
        // A holder that hangs (SIGSTOP, a paused VM, a blocked event loop) sends no keep-alive: the server ends its
        // idle session after the lease's TTL, which frees the lock for another instance (PostgreSQL 14+).
        await client.query(`SET idle_session_timeout = ${Math.trunc(this.timings.leaseTtlMs)}`).catch(() => undefined);
        const [{ held }] = (await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS held', [PostgresAdvisoryProjectionLock.KEY]))
          .rows;
        if (held && !lost.signal.aborted) {
          this.client = client;
          this.keepAlive = setInterval(() => {
            client.query('SELECT 1').catch((error: Error) => {
              lost.abort(error);
              void client.end().catch(() => undefined);
            });
          }, this.timings.leaseRenewMs);
          lost.signal.addEventListener('abort', () => this.logger.warn(`lost the projection lock: ${(lost.signal.reason as Error)?.message}`), { once: true });
          return lost.signal;
        }
      } catch {
        // The database is unreachable for now: try again at the next poll.
      }
      await client.end().catch(() => undefined);
      await sleep(this.timings.pollIntervalMs, undefined, { signal }).catch(() => undefined);
    }
    return null;
  }

  async release(): Promise<void> {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
    const client = this.client;
    this.client = null;
    if (!client) return;
    // Given up, not lost: no warning from its listeners. Ending the session releases its advisory locks.
    client.removeAllListeners();
    client.on('error', () => undefined);
    await client.end().catch(() => undefined);
  }
}

/** SQLite's lease table; not an entity, so rebuilds and verify leave it alone. */
export const PROJECTOR_LEASE_TABLE = 'projector_leases';
const LEASE_NAME = 'read-model';

/**
 * A lease row in the read model's own file: holder and expiry, renewed by its
 * holder and taken over by another process once expired (a holder killed
 * with SIGKILL releases nothing). Expiry is wall-clock milliseconds: every
 * process on one SQLite file runs on the same machine.
 */
export class SqliteLeaseProjectionLock implements ProjectionLock {
  private readonly logger = new Logger('ProjectionLock');
  readonly holder = holderIdentity();
  private renewal: NodeJS.Timeout | null = null;
  private tableReady = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly timings: ProjectionLockTimings,
    private readonly writeLock?: Mutex,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(signal: AbortSignal): Promise<AbortSignal | null> {
    this.stopRenewing();
    while (!signal.aborted) {
      if (await this.take().catch(() => false)) {
        const lost = new AbortController();
        let heldUntil = this.now() + this.timings.leaseTtlMs;
        this.renewal = setInterval(() => {
          this.take()
            .then((held) => {
              if (held) heldUntil = this.now() + this.timings.leaseTtlMs;
              else lost.abort(new Error('another process took the lease over'));
            })
            .catch(() => {
              // Busy or unreachable for now: the lease holds until its expiry, after which another may take it.
              if (this.now() >= heldUntil) lost.abort(new Error('the lease expired before it could be renewed'));
            })
            .finally(() => {
              if (lost.signal.aborted) this.stopRenewing();
            });
        }, this.timings.leaseRenewMs);
        lost.signal.addEventListener('abort', () => this.logger.warn(`lost the projection lease: ${(lost.signal.reason as Error)?.message}`), { once: true });
        return lost.signal;
      }
      await sleep(this.timings.pollIntervalMs, undefined, { signal }).catch(() => undefined);
    }
    return null;
  }

  async release(): Promise<void> {
    this.stopRenewing();
    if (!this.dataSource.isInitialized || !this.tableReady) return;
    await this.exclusive(() => this.dataSource.query(`DELETE FROM ${PROJECTOR_LEASE_TABLE} WHERE name = ? AND holder = ?`, [LEASE_NAME, this.holder])).catch(
      () => undefined,
    );
  }

  private stopRenewing(): void {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
  }

  /** Takes or renews the lease in one statement: it is ours if nobody holds it, we hold it, or it expired. */
  private async take(): Promise<boolean> {
    return this.exclusive(async () => {
      if (!this.tableReady) {
        await this.dataSource.query(
          `CREATE TABLE IF NOT EXISTS ${PROJECTOR_LEASE_TABLE} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
        );
        this.tableReady = true;
      }
      const now = this.now();
      const [current]: { holder: string }[] = await this.dataSource.query(`SELECT holder FROM ${PROJECTOR_LEASE_TABLE} WHERE name = ?`, [LEASE_NAME]);
      // A holder on this machine whose process is gone (killed, crashed) is not waited for until its lease expires.
      if (current && current.holder !== this.holder && holderIsGone(current.holder)) {
        await this.dataSource.query(`DELETE FROM ${PROJECTOR_LEASE_TABLE} WHERE name = ? AND holder = ?`, [LEASE_NAME, current.holder]);
      }
      await this.dataSource.query(
        `INSERT INTO ${PROJECTOR_LEASE_TABLE} (name, holder, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE ${PROJECTOR_LEASE_TABLE}.holder = excluded.holder OR ${PROJECTOR_LEASE_TABLE}.expires_at <= ?`,
        [LEASE_NAME, this.holder, now + this.timings.leaseTtlMs, now],
      );
      const rows: { holder: string }[] = await this.dataSource.query(`SELECT holder FROM ${PROJECTOR_LEASE_TABLE} WHERE name = ?`, [LEASE_NAME]);
      return rows[0]?.holder === this.holder;
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.writeLock ? this.writeLock.runExclusive(work) : work();
  }
}
