import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TEXT_WIDTH } from '@scim-ledger/domain';

/** One recorded change with who, when, from where and why (rule S1). */
@Entity('audit_trail')
@Index('audit_trail_event', ['streamId', 'streamRevision'], { unique: true })
@Index('audit_trail_tenant_time', ['tenantId', 'occurredAt'])
@Index('audit_trail_user', ['userId', 'streamRevision'])
@Index('audit_trail_address', ['tenantId', 'addressDigest'])
@Index('audit_trail_email', ['tenantId', 'emailDigest'])
@Index('audit_trail_group', ['tenantId', 'groupId'])
export class AuditEntryRow {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 64 })
  tenantId: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userId, nullable: true })
  userId: string | null;

  @Column({ type: 'varchar', length: 200 })
  streamId: string;

  @Column({ type: 'integer' })
  streamRevision: number;

  @Column({ type: 'varchar', length: 64 })
  globalPosition: string;

  @Column({ type: 'varchar', length: 36 })
  eventId: string;

  @Column({ type: 'varchar', length: 100 })
  eventType: string;

  @Column({ type: 'varchar', length: 32 })
  occurredAt: string;

  @Column({ type: 'varchar', length: 32 })
  actorKind: string;

  @Column({ type: 'varchar', length: 200 })
  actorId: string;

  @Column({ type: 'varchar', length: 100 })
  requestId: string;

  @Column({ type: 'varchar', length: TEXT_WIDTH.userAgent, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  clientAddress: string | null;

  @Column({ type: 'text' })
  data: string;

  /** Rule A4: the attributes the request sent that are not kept on the user, as a JSON list; null when none. */
  @Column({ type: 'text', nullable: true })
  ignoredAttributes: string | null;

  /**
   * The digest (auditAddressDigest) of the userName the event names: a
   * refusal's, or a user's on its creation and address change; what the
   * admin's search by address finds. Null when the event names none, or once
   * its user is deleted for good (README, "Personal data").
   */
  @Column({ type: 'varchar', length: 64, nullable: true })
  addressDigest: string | null;

  /**
   * The group a refusal named (a PATCH, PUT or DELETE of /Groups/{id}), for
   * the feed by group; a group's own events are found by their stream.
   */
  @Column({ type: 'varchar', length: TEXT_WIDTH.userId, nullable: true })
  groupId: string | null;

  /** The same for the email the event names beside the userName. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  emailDigest: string | null;
}
