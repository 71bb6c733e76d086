import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TEXT_WIDTH } from '@scim-ledger/domain';

/** One tenant and its settings, as the admin API reads them. */
@Entity('tenants')
export class TenantRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.catalogueName })
  name: string;

  /** manual, scim or ad_ldap (rule T6). */
  @Column({ type: 'varchar', length: 16 })
  userManagement: string;

  /** Rule L10: 0 = unlimited. */
  @Column({ type: 'integer', default: 0 })
  activeLicences: number;

  @Column({ type: 'integer', default: 0 })
  preservedLicences: number;

  @Column({ type: 'varchar', length: 32 })
  createdAt: string;

  /** Stream revision of the last event applied: the projection's idempotency guard. */
  @Column({ type: 'integer' })
  revision: number;
}

/** A client id and hashed secret for one tenant's admin API (never the SCIM token: rule T4). */
@Entity('api_credentials')
@Index('api_credentials_tenant', ['tenantId'])
export class ApiCredentialRow {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ type: 'varchar', length: 100, unique: true })
  clientId: string;

  @Column({ type: 'varchar', length: 64 })
  secretHash: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.catalogueName })
  name: string;

  @Column({ type: 'varchar', length: 32 })
  issuedAt: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  revokedAt: string | null;
}

@Entity('storages')
@Index('storages_tenant', ['tenantId'])
export class StorageRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  /** Ids are the tenant's own: two tenants may both have a storage "eu". */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.catalogueName })
  name: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.region })
  region: string;

  /** healthy or unhealthy (rule M6). */
  @Column({ type: 'varchar', length: 16 })
  health: string;
}

@Entity('profiles')
@Index('profiles_tenant', ['tenantId'])
export class ProfileRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  /** Ids are the tenant's own: two tenants may both have a storage "eu". */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.catalogueName })
  name: string;

  /** 0 = unlimited (rule M5). */
  @Column({ type: 'integer' })
  maxUsers: number;

  @Column({ type: 'integer', nullable: true })
  autoDeletePreservedAfterDays: number | null;

  /** JSON array of storage ids the profile may use (rule M7). */
  @Column({ type: 'text' })
  storageIds: string;
}

@Entity('scim_mappings')
@Index('scim_mappings_tenant_position', ['tenantId', 'position'])
export class ScimMappingRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  /** Ids are the tenant's own: two tenants may both have a storage "eu". */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tenantId: string;

  /** 0-based place in the tenant's order; the first match wins (rule M3). */
  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'varchar', length: TEXT_WIDTH.catalogueName })
  name: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.catalogueName })
  attribute: string;

  /** JSON array of the accepted values (rule M2). */
  @Column({ type: 'text' })
  filterValues: string;

  @Column({ type: 'varchar', length: 64 })
  profileId: string;

  @Column({ type: 'varchar', length: 64 })
  storageId: string;

  @Column({ type: 'integer' })
  quotaAmount: number;

  @Column({ type: 'varchar', length: 2 })
  quotaUnit: string;

  @Column({ type: 'boolean' })
  sendActivationEmail: boolean;
}

/**
 * A tenant the operator deleted, kept after its other rows are gone: every
 * later event of that tenant, in any stream, is projected by it (see
 * deleted-tenants.ts). Written in the projector's transaction with the
 * checkpoint, so a rebuild arrives at the same rows.
 */
@Entity('deleted_tenants')
export class DeletedTenantRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ type: 'varchar', length: 32 })
  deletedAt: string;
}
