import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TEXT_WIDTH } from '@scim-ledger/domain';

/**
 * One group as SCIM queries see it (rule G1). The display name's lower-cased
 * key (groupNameKey) makes Entra ID's `displayName eq` lookup an index probe;
 * timestamps are ISO 8601 UTC strings, as the users' are. Its members are
 * rows of their own (ScimGroupMemberRow), so a GET that leaves them out never
 * reads them, and a membership change writes only its delta.
 */
@Entity('scim_groups')
@Index('scim_groups_tenant_display_name', ['tenantId', 'displayNameLower'])
@Index('scim_groups_tenant_external_id', ['tenantId', 'externalId'])
@Index('scim_groups_tenant_created', ['tenantId', 'createdAt', 'id'])
export class ScimGroupRow {
  @PrimaryColumn({ type: 'varchar', length: TEXT_WIDTH.userId })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute })
  displayName: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute })
  displayNameLower: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute, nullable: true })
  externalId: string | null;

  @Column({ type: 'varchar', length: 32 })
  createdAt: string;

  @Column({ type: 'varchar', length: 32 })
  lastModified: string;

  /** Stream revision of the last event applied: the projection's idempotency guard and meta.version. */
  @Column({ type: 'integer' })
  revision: number;
}

/**
 * One membership: a user of the group's tenant in a group. Keyed by group and
 * user, so adding a member twice is one row; the index on tenant and user
 * answers a user's `groups` and `members eq` filters.
 */
@Entity('scim_group_members')
@Index('scim_group_members_tenant_user', ['tenantId', 'userId'])
export class ScimGroupMemberRow {
  @PrimaryColumn({ type: 'varchar', length: TEXT_WIDTH.userId })
  groupId: string;

  @PrimaryColumn({ type: 'varchar', length: TEXT_WIDTH.userId })
  userId: string;

  @Column({ type: 'varchar', length: 64 })
  tenantId: string;
}

/**
 * One change of one user's memberships (rule G2): a group event names many
 * users, so each of them gets a row, and a user's history reads its own rows
 * by index instead of every group's stream. Keyed by the group event and the
 * user, so a replayed event writes nothing twice. The group's display name is
 * the one it had then; who, when and which request are the event's (rule S1).
 */
@Entity('user_membership_changes')
@Index('user_membership_changes_tenant_user', ['tenantId', 'userId', 'occurredAt'])
export class UserMembershipChangeRow {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  streamId: string;

  @PrimaryColumn({ type: 'integer' })
  streamRevision: number;

  @PrimaryColumn({ type: 'varchar', length: TEXT_WIDTH.userId })
  userId: string;

  @Column({ type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userId })
  groupId: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAttribute })
  groupDisplayName: string;

  /** added, removed, or group_deleted (the group went, and the user with it, rule G1). */
  @Column({ type: 'varchar', length: 16 })
  change: string;

  @Column({ type: 'varchar', length: 100 })
  eventType: string;

  @Column({ type: 'varchar', length: 32 })
  occurredAt: string;

  @Column({ type: 'varchar', length: 32 })
  actorKind: string;

  @Column({ type: 'varchar', length: 200 })
  actorId: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  requestId: string | null;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAgent, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  clientAddress: string | null;
}
