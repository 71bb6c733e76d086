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
   * The SQL form of the domain's isDueForAutoDeletion (rule L10): the
   * profile's users preserved at or before `preservedBefore`
   * (autoDeletePreservedBefore) and not on legal hold, longest preserved
   * first, at most `count`.
   */
  preservedUsersDueForAutoDeletion(
    profile: { readonly tenantId: string; readonly profileId: string },
    preservedBefore: string,
    count: number,
  ): Promise<ScimUserRow[]> {
    return this.dataSource
      .getRepository(ScimUserRow)
      .createQueryBuilder('u')
      .where('u."tenantId" = :tenantId AND u."profileId" = :profileId', { tenantId: profile.tenantId, profileId: profile.profileId })
      .andWhere('u.status = :status AND u."legalHold" = :held AND u."preservedAt" <= :preservedBefore', {
        status: 'Preserved',
        held: false,
        preservedBefore,
      })
      .orderBy('u."preservedAt"', 'ASC')
      .limit(count)
      .getMany();
  }
}
