import { Inject, Injectable } from '@nestjs/common';
import type { ExpensiveReadsConfig } from '@scim-ledger/platform';
import { APP_CONFIG, AppConfig } from '../../tokens';

/** A tenant's expensive reads are all running and its queue is full: the edge answers 429 with Retry-After. */
export class ExpensiveReadsRefused extends Error {
  override readonly name = 'ExpensiveReadsRefused';
  constructor(readonly limits: ExpensiveReadsConfig) {
    super(
      `too many expensive reads (list pages, filters with a term no index serves) for this tenant: at most ${limits.perTenant} run at a time ` +
        `and ${limits.queuePerTenant} wait; retry after ${EXPENSIVE_READS_RETRY_AFTER_SECONDS} s`,
    );
  }
}

/** A queued read finishes within the query time-out, so a second is a fair first wait. */
export const EXPENSIVE_READS_RETRY_AFTER_SECONDS = 1;

interface TenantReads {
  running: number;
  readonly waiting: Array<() => void>;
}

/**
 * Bounds the database work one tenant can hold (issue 15, finding 3): at most
 * `perTenant` of its expensive reads run, `queuePerTenant` more wait, the
 * rest are refused at once. At most `total` run over all tenants, and a place
 * that frees goes to the waiting tenants in turn (round robin), so a tenant
 * with a long queue cannot starve one with a single read: that is what keeps
 * the PostgreSQL pool and the SQLite read workers from being one tenant's.
 */
@Injectable()
export class ExpensiveReads {
  private running = 0;
  private readonly tenants = new Map<string, TenantReads>();
  /** Tenants with waiting reads, in the order they get the next free place. */
  private readonly turns: string[] = [];
  private readonly limits: ExpensiveReadsConfig;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'expensiveReads'>) {
    this.limits = config.expensiveReads;
  }

  async run<T>(tenantId: string, read: () => Promise<T>): Promise<T> {
    if (this.limits.perTenant === 0) return read();
    const tenant = this.tenantOf(tenantId);
    if (tenant.running < this.limits.perTenant && this.running < this.limits.total && tenant.waiting.length === 0) {
      tenant.running++;
      this.running++;
    } else {
      if (tenant.waiting.length >= this.limits.queuePerTenant) {
        this.forgetIfIdle(tenantId, tenant);
        throw new ExpensiveReadsRefused(this.limits);
      }
      // The place is counted as taken by admitNext before this resolves.
      await new Promise<void>((admitted) => {
        tenant.waiting.push(admitted);
        if (tenant.waiting.length === 1) this.turns.push(tenantId);
      });
    }
    try {
      return await read();
    } finally {
      tenant.running--;
      this.running--;
      this.admitNext();
      this.forgetIfIdle(tenantId, tenant);
    }
  }

  private admitNext(): void {
    for (let i = 0; i < this.turns.length && this.running < this.limits.total;) {
      const tenantId = this.turns[i];
      const tenant = this.tenants.get(tenantId)!;
      if (tenant.running >= this.limits.perTenant) {
        i++;
        continue;
      }
      this.turns.splice(i, 1);
      const admitted = tenant.waiting.shift()!;
      tenant.running++;
      this.running++;
      // To the back of the line: the other waiting tenants go first.
      if (tenant.waiting.length > 0) this.turns.push(tenantId);
      admitted();
    }
  }

  private tenantOf(tenantId: string): TenantReads {
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      tenant = { running: 0, waiting: [] };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  /** Only tenants with reads running or waiting are kept, so the map stays as small as the load. */
  private forgetIfIdle(tenantId: string, tenant: TenantReads): void {
    if (tenant.running === 0 && tenant.waiting.length === 0) this.tenants.delete(tenantId);
  }
}
