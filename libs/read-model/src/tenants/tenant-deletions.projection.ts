import { EntityManager, In, Not } from 'typeorm';
import { AuditEntryRow } from '../audit/audit-entry.row';
import type { Projection, ProjectedBatch } from '../projection';
import { insertRows } from '../sql/bulk-rows';
import { ScimUserRow } from '../users/scim-user.row';
import { TRAIL_OF_A_DELETED_TENANT, USER_COLUMNS_WITHOUT_A_PERSON } from './deleted-tenants';
import { DeletedTenantRow } from './tenant.rows';

/**
 * A deleted tenant's trail keeps only the deletions themselves: what was
 * deleted, when, by whom; its users keep no person. What earlier batches
 * stored goes here; this batch's and later ones' events of the tenant were
 * filtered by the projections before (ProjectedBatch.deletedTenants).
 */
export const tenantDeletionsProjection: Projection = {
  name: 'tenant deletions',
  tables: [{ entity: DeletedTenantRow, rowName: 'deleted tenant' }],
  async project(manager: EntityManager, { deletions }: ProjectedBatch): Promise<void> {
    for (const { tenantId } of deletions) {
      await manager.delete(AuditEntryRow, { tenantId, eventType: Not(In([...TRAIL_OF_A_DELETED_TENANT])) });
      await manager.update(ScimUserRow, { tenantId }, USER_COLUMNS_WITHOUT_A_PERSON);
    }
    await insertRows(manager, DeletedTenantRow, deletions, 'ignore-duplicates');
  },
};
