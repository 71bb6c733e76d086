import type { EntityManager } from 'typeorm';
import type { Projection, ProjectedBatch } from '../projection';
import { projectTenantEvent } from './tenants.projection';

/** The admin's tables (tenants, storages, profiles, mappings, credentials, SCIM tokens), event by event. */
export const tenantsTablesProjection: Projection = {
  name: 'tenants',
  async project(manager: EntityManager, { events }: ProjectedBatch): Promise<void> {
    for (const event of events) await projectTenantEvent(manager, event);
  },
};
