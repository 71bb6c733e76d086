import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LicensedUsers } from '@scim-ledger/domain';
import { ScimUserRow } from '@scim-ledger/read-model';
import { READ_MODEL } from '../../tokens';

/**
 * The users read model as the admin and the provisioning services ask it:
 * a whole tenant, IdP-deleted users included (rule L4). The SCIM routes'
 * reads, which never show those, are ScimUsersReadModel's.
 */
@Injectable()
export class UsersReadModel {
  constructor(@Inject(READ_MODEL) private readonly dataSource: DataSource) {}

  /** One user of the tenant, whatever its status; null when the tenant has no such user. */
  user(tenantId: string, userId: string): Promise<ScimUserRow | null> {
    return this.dataSource.getRepository(ScimUserRow).findOneBy({ tenantId, id: userId });
  }

  /** How many of the tenant's users are active and how many preserved: what its licences count (rule L10). */
  async usersByStatus(tenantId: string): Promise<LicensedUsers> {
    const rows = await this.dataSource
      .getRepository(ScimUserRow)
      .createQueryBuilder('u')
      .select('u.status', 'status')
      .addSelect('COUNT(*)', 'users')
      .where('u."tenantId" = :tenantId', { tenantId })
      .groupBy('u.status')
      .getRawMany<{ status: string; users: string | number }>();
    const of = (status: string) => Number(rows.find((row) => row.status === status)?.users ?? 0);
    return { active: of('Active'), preserved: of('Preserved') };
  }

  /** How many of the tenant's users are on legal hold. */
  usersOnLegalHold(tenantId: string): Promise<number> {
    return this.dataSource.getRepository(ScimUserRow).countBy({ tenantId, legalHold: true });
  }

  /** The first `count` ids of the tenant's users, by id: a tenant's deletion takes them a page at a time until none is left. */
  async firstUserIds(tenantId: string, count: number): Promise<string[]> {
    const rows = await this.dataSource.getRepository(ScimUserRow).find({ select: { id: true }, where: { tenantId }, order: { id: 'ASC' }, take: count });
    return rows.map((row) => row.id);
  }

  /**
   * The profile's users last preserved at or before `preservedBefore`
   * (autoDeletePreservedBefore), longest preserved first, `count` at a time
   * after `after`: where rule L10's auto-delete looks. Whether each is due is
   * the domain's isDueForAutoDeletion, not this query's: it narrows by the
   * instant only, and pages on, so users the rule keeps (on legal hold) never
   * hold back the ones behind them.
   */
  usersPreservedAtOrBefore(
    profile: { readonly tenantId: string; readonly profileId: string },
    preservedBefore: string,
    after: { readonly preservedAt: string; readonly id: string } | null,
    count: number,
  ): Promise<ScimUserRow[]> {
    const query = this.dataSource
      .getRepository(ScimUserRow)
      .createQueryBuilder('u')
      .where('u."tenantId" = :tenantId AND u."profileId" = :profileId', { tenantId: profile.tenantId, profileId: profile.profileId })
      .andWhere('u."preservedAt" <= :preservedBefore', { preservedBefore });
    if (after)
      query.andWhere('(u."preservedAt" > :afterAt OR (u."preservedAt" = :afterAt AND u.id > :afterId))', { afterAt: after.preservedAt, afterId: after.id });
    return query.orderBy('u."preservedAt"', 'ASC').addOrderBy('u.id', 'ASC').limit(count).getMany();
  }
}
