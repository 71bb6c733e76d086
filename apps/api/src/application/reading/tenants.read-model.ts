import { Inject, Injectable } from '@nestjs/common';
import { And, DataSource, LessThanOrEqual, MoreThan } from 'typeorm';
import { ApiCredentialRow, ProfileRow, ScimMappingRow, ScimTokenRow, StorageRow, TenantRow } from '@scim-ledger/read-model';
import { READ_MODEL } from '../../tokens';

/**
 * The tenants read model: tenants, their API credentials and SCIM token, and
 * their catalogue (storages, profiles, SCIM mappings), as the admin routes,
 * the two authentications and the jobs ask for them.
 */
@Injectable()
export class TenantsReadModel {
  constructor(@Inject(READ_MODEL) private readonly dataSource: DataSource) {}

  /** Every tenant, by id. */
  allTenants(): Promise<TenantRow[]> {
    return this.dataSource.getRepository(TenantRow).find({ order: { id: 'ASC' } });
  }

  tenant(tenantId: string): Promise<TenantRow | null> {
    return this.dataSource.getRepository(TenantRow).findOneBy({ id: tenantId });
  }

  tenantExists(tenantId: string): Promise<boolean> {
    return this.dataSource.getRepository(TenantRow).existsBy({ id: tenantId });
  }

  /** The tenant's admin credentials, revoked ones included, oldest first. */
  apiCredentials(tenantId: string): Promise<ApiCredentialRow[]> {
    return this.dataSource.getRepository(ApiCredentialRow).find({ where: { tenantId }, order: { issuedAt: 'ASC' } });
  }

  /** The credential an admin authenticates with, revoked or not; its tenant is the credential's. */
  apiCredentialByClientId(clientId: string): Promise<ApiCredentialRow | null> {
    return this.dataSource.getRepository(ApiCredentialRow).findOneBy({ clientId });
  }

  /** The tenant's current SCIM token (never the token itself: its hash). */
  scimToken(tenantId: string): Promise<ScimTokenRow | null> {
    return this.dataSource.getRepository(ScimTokenRow).findOneBy({ tenantId });
  }

  /**
   * The token a SCIM request presents, by its hash: every SCIM request asks,
   * so one plain statement, not the repository (bench/README.md).
   */
  async scimTokenByHash(tokenHash: string): Promise<ScimTokenRow | undefined> {
    const [row]: ScimTokenRow[] = await this.dataSource.query(
      `SELECT * FROM scim_tokens WHERE "tokenHash" = ${this.dataSource.options.type === 'postgres' ? '$1' : '?'}`,
      [tokenHash],
    );
    return row;
  }

  /**
   * The tenants whose SCIM token expires after `after` and at or before
   * `atOrBefore`, by id, each once (canonical ISO instants sort as text).
   */
  async tenantsWithScimTokenExpiring(window: { readonly after: string; readonly atOrBefore: string }): Promise<string[]> {
    const rows = await this.dataSource.getRepository(ScimTokenRow).find({
      select: { tenantId: true },
      where: { expiresAt: And(MoreThan(window.after), LessThanOrEqual(window.atOrBefore)) },
      order: { tenantId: 'ASC' },
    });
    return [...new Set(rows.map((row) => row.tenantId))];
  }

  storages(tenantId: string): Promise<StorageRow[]> {
    return this.dataSource.getRepository(StorageRow).find({ where: { tenantId }, order: { id: 'ASC' } });
  }

  storage(tenantId: string, storageId: string): Promise<StorageRow | null> {
    return this.dataSource.getRepository(StorageRow).findOneBy({ tenantId, id: storageId });
  }

  profiles(tenantId: string): Promise<ProfileRow[]> {
    return this.dataSource.getRepository(ProfileRow).find({ where: { tenantId }, order: { id: 'ASC' } });
  }

  profile(tenantId: string, profileId: string): Promise<ProfileRow | null> {
    return this.dataSource.getRepository(ProfileRow).findOneBy({ tenantId, id: profileId });
  }

  /** Every tenant's profiles, in no particular order: what the auto-delete job walks. */
  profilesOfEveryTenant(): Promise<ProfileRow[]> {
    return this.dataSource.getRepository(ProfileRow).find();
  }

  /** The tenant's SCIM mappings in the order they are tried (rule M3). */
  scimMappings(tenantId: string): Promise<ScimMappingRow[]> {
    return this.dataSource.getRepository(ScimMappingRow).find({ where: { tenantId }, order: { position: 'ASC' } });
  }

  scimMapping(tenantId: string, mappingId: string): Promise<ScimMappingRow | null> {
    return this.dataSource.getRepository(ScimMappingRow).findOneBy({ tenantId, id: mappingId });
  }
}
