import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TEXT_WIDTH } from '@scim-ledger/domain';

/**
 * One user as SCIM queries see it. Canonical copies of userName and email
 * (canonicalAddress: folded, trimmed; rule L8) make the case-insensitive
 * lookups IdPs send before every create use an index; their width, like
 * every text column's, is TEXT_WIDTH, which the deciders check before an append.
 * Timestamps are ISO 8601 UTC strings so they sort and compare alike on
 * SQLite and PostgreSQL. Every SCIM query has tenantId = ? AND
 * deletedInIdp = ? and pages in (createdAt, id) order, so the indexes hold
 * exactly that: a page needs no sort, its count reads the index only, and
 * SQLite prefers the lookup index over walking the tenant (bench/README.md:
 * 20x slower filtered GETs at 10k users, 80 ms list pages at 1M without).
 */
@Entity('scim_users')
@Index('scim_users_tenant_user_name', ['tenantId', 'userNameLower', 'deletedInIdp', 'createdAt', 'id'])
@Index('scim_users_tenant_email', ['tenantId', 'emailLower', 'deletedInIdp', 'createdAt', 'id'])
@Index('scim_users_tenant_external_id', ['tenantId', 'externalId', 'deletedInIdp', 'createdAt', 'id'])
@Index('scim_users_tenant_created', ['tenantId', 'deletedInIdp', 'createdAt', 'id'])
@Index('scim_users_tenant_profile', ['tenantId', 'profileId'])
@Index('scim_users_tenant_storage', ['tenantId', 'storageId'])
@Index('scim_users_preserved', ['status', 'preservedAt'])
export class ScimUserRow {
  @PrimaryColumn({ type: 'varchar', length: TEXT_WIDTH.userId })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute })
  userName: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute })
  userNameLower: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute })
  email: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute })
  emailLower: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute })
  displayName: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute, nullable: true })
  givenName: string | null;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute, nullable: true })
  familyName: string | null;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute, nullable: true })
  externalId: string | null;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute, nullable: true })
  userPrincipalName: string | null;

  @Column({ type: 'boolean' })
  active: boolean;

  /**
   * Every other attribute of the User the IdP sent, as the user's events keep
   * it (rule A1): JSON text on both databases, which the filters read with
   * their JSON functions (json_extract / jsonb). A user created before issue 18 has none.
   */
  @Column({ type: 'text', default: '{}' })
  attributes: string;

  /** Active or Preserved (rule L4). */
  @Column({ type: 'varchar', length: 16 })
  status: 'Active' | 'Preserved';

  @Column({ type: 'varchar', length: 16, nullable: true })
  preservedBy: 'idp' | 'admin' | null;

  /** Gone for the IdP after a DELETE, still here for the admin (rule L4 decision). */
  @Column({ type: 'boolean' })
  deletedInIdp: boolean;

  /** Since when the user is Preserved: the start of its profile's auto-delete period (rule L10). */
  @Column({ type: 'varchar', length: 32, nullable: true })
  preservedAt: string | null;

  /** 'admin' for a user created by hand until the IdP adopts it (rule L7). */
  @Column({ type: 'varchar', length: 8 })
  provisionedBy: 'idp' | 'admin';

  /** Where a SCIM mapping placed the user (rules M1, M3); null for users created by hand. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  mappingId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  profileId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  storageId: string | null;

  /** Per-user quota in quotaUnit; 0 = unlimited (rule M1). */
  @Column({ type: 'integer', nullable: true })
  quotaAmount: number | null;

  @Column({ type: 'varchar', length: 2, nullable: true })
  quotaUnit: 'MB' | 'GB' | 'TB' | null;

  @Column({ type: 'boolean', nullable: true })
  sendActivationEmail: boolean | null;

  /** Rule L10: never deleted for good while on legal hold. */
  @Column({ type: 'boolean', default: false })
  legalHold: boolean;

  @Column({ type: 'varchar', length: 32 })
  createdAt: string;

  @Column({ type: 'varchar', length: 32 })
  lastModified: string;

  /** Stream revision of the last event applied: the projection's idempotency guard and meta.version. */
  @Column({ type: 'integer' })
  revision: number;
}
