import { Injectable } from '@nestjs/common';
import { DomainRefused, licenceRefusal, TenantState, UserEvent } from '@scim-ledger/domain';
import { TenantCommands } from '../tenants/tenant-commands';
import { UsersReadModel } from '../reading/users.read-model';

/**
 * Rule L10's licence limits, checked before a user is added or becomes
 * active. The counts come from the read model, which every write waits for
 * (read-your-writes), so the limit holds for writes one after another;
 * concurrent writes in flight can overshoot it by their number, unlike the
 * profile cap (rule M5), which is exact.
 */
@Injectable()
export class Licences {
  constructor(
    private readonly tenants: TenantCommands,
    private readonly users: UsersReadModel,
  ) {}

  /** Throws LicenceLimitReached when `change` would break the tenant's licences. */
  async ensure(tenant: TenantState, change: 'add-active' | 'add-preserved' | 'reactivate'): Promise<void> {
    // Unlimited tenants, the common case, cost no count.
    if (tenant.status !== 'Active' || tenant.licences.activeLicences === 0) return;
    const refusal = licenceRefusal(tenant, await this.users.usersByStatus(tenant.tenantId), change);
    if (refusal) throw new DomainRefused('LicenceLimitReached', `${refusal}; ask an administrator for more licences`);
  }

  /** Before appending `events` to an existing user: only a reactivation needs a licence. */
  async ensureFor(tenantId: string, events: readonly UserEvent[]): Promise<void> {
    if (events.some((event) => event.type === 'UserReactivated')) await this.ensure((await this.tenants.load(tenantId)).state, 'reactivate');
  }
}
