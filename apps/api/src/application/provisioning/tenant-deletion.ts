import { Inject, Injectable } from '@nestjs/common';
import { DomainRefused, tenantSubject } from '@scim-ledger/domain';
import { PERSONAL_DATA_SHREDDER, PersonalDataShredder } from '@scim-ledger/event-store';
import { AdminRequest, TenantCommands } from '../tenants/tenant-commands';
import { UsersReadModel } from '../reading/users.read-model';
import { PermanentDeletion } from './permanent-deletion';

/** Users a tenant's deletion reads at once; it reads again until none is left. */
const USERS_PER_PAGE = 1000;

/**
 * The operator deletes a tenant for good: the tenant stops at once (its
 * tokens and credentials go with TenantDeleted), then each of its users is
 * deleted for good like an administrator would (addresses and seats given
 * back, personal data shredded), then what refusals recorded about people
 * not yet users. Running it again finishes a deletion that was interrupted.
 */
@Injectable()
export class TenantDeletion {
  constructor(
    private readonly tenants: TenantCommands,
    private readonly deletion: PermanentDeletion,
    private readonly users: UsersReadModel,
    @Inject(PERSONAL_DATA_SHREDDER) private readonly shredder: PersonalDataShredder,
  ) {}

  async delete(tenantId: string, request: AdminRequest): Promise<{ tenantId: string; usersDeleted: number }> {
    const { state } = await this.tenants.load(tenantId);
    if (state.status === 'Initial') throw new DomainRefused('TenantNotFound', `tenant ${tenantId} not found`);
    if (state.status === 'Active') {
      // Rule L10: legal hold outranks every deletion; the operator releases the users first.
      const held = await this.users.usersOnLegalHold(tenantId);
      if (held > 0)
        throw new DomainRefused('UsersOnLegalHold', `${held} user(s) of tenant ${tenantId} are on legal hold; release them before deleting the tenant`);
    }
    await this.tenants.execute(tenantId, { type: 'DeleteTenant', data: {} }, request);
    let usersDeleted = 0;
    const attempted = new Set<string>();
    // Again until none is left: a create that had read the tenant just before it was deleted may still land.
    for (let users = await this.usersOf(tenantId); users.length > 0; users = await this.usersOf(tenantId)) {
      if (users.every((id) => attempted.has(id)))
        throw new Error(`tenant ${tenantId}: users ${users.join(', ')} are still in the read model after their deletion`);
      for (const userId of users) {
        attempted.add(userId);
        await this.deletion.delete(userId, 'tenant_deleted', { tenantId, ...request, now: this.tenants.now() });
        usersDeleted += 1;
      }
    }
    await this.shredder.forget([tenantSubject(tenantId)]);
    return { tenantId, usersDeleted };
  }

  /** A page of the tenant's remaining users. */
  private usersOf(tenantId: string): Promise<string[]> {
    return this.users.firstUserIds(tenantId, USERS_PER_PAGE);
  }
}
