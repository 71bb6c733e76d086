import { auditTrailProjection } from './audit/audit-trail.projection';
import type { Projection } from './projection';
import { tenantDeletionsProjection } from './tenants/tenant-deletions.projection';
import { tenantsTablesProjection } from './tenants/tenants-tables.projection';
import { usersTableProjection } from './users/users-table.projection';
import { scimGroupsProjection } from './groups/scim-groups.projection';

/**
 * The read model's projections, in the order each batch runs them: users
 * first (the audit trail reads the rows they leave, groups which users have
 * one), a tenant's deletion last (it clears what the others wrote before it).
 */
export const READ_MODEL_PROJECTIONS: readonly Projection[] = [
  usersTableProjection,
  scimGroupsProjection,
  tenantsTablesProjection,
  auditTrailProjection,
  tenantDeletionsProjection,
];
