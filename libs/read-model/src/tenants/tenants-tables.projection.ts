import type { EntityManager } from 'typeorm';
import type { Projection, ProjectedBatch } from '../projection';
import { projectTenantEvent } from './tenants.projection';
import { ScimTokenRow } from './scim-token.row';
import { ApiCredentialRow, ProfileRow, ScimMappingRow, StorageRow, TenantRow } from './tenant.rows';

/** The admin's tables (tenants, storages, profiles, mappings, credentials, SCIM tokens), event by event. */
export const tenantsTablesProjection: Projection = {
  name: 'tenants',
  tables: [
    { entity: TenantRow, rowName: 'tenant' },
    { entity: ApiCredentialRow, rowName: 'API credential' },
    { entity: ScimTokenRow, rowName: 'SCIM token' },
    { entity: StorageRow, rowName: 'storage' },
    { entity: ProfileRow, rowName: 'profile' },
    { entity: ScimMappingRow, rowName: 'SCIM mapping' },
  ],
  async project(manager: EntityManager, { events }: ProjectedBatch): Promise<void> {
    for (const event of events) await projectTenantEvent(manager, event);
  },
};
