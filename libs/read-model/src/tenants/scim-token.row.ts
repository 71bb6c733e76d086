import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A tenant's SCIM bearer token, kept only as its SHA-256 (rule T2: never
 * stored in clear). The token identifies the tenant (rule T1).
 */
@Entity('scim_tokens')
@Index('scim_tokens_tenant', ['tenantId'])
export class ScimTokenRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ type: 'varchar', length: 36 })
  tokenId: string;

  @Column({ type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ type: 'varchar', length: 32 })
  createdAt: string;

  @Column({ type: 'varchar', length: 32 })
  expiresAt: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  lastUsedAt: string | null;
}
