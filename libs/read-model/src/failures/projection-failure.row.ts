import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A stream the projector set aside: the event it could not apply, and why.
 * The stream's later events wait behind it (they are not applied) while every
 * other stream goes on; a retry after a code fix, or a rebuild, clears it.
 */
@Entity('projection_failures')
export class ProjectionFailureRow {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  streamId: string;

  /** The first event that failed: where a retry starts. */
  @Column({ type: 'integer' })
  revision: number;

  @Column({ type: 'varchar', length: 64 })
  position: string;

  @Column({ type: 'varchar', length: 36 })
  eventId: string;

  @Column({ type: 'varchar', length: 100 })
  eventType: string;

  /** The database's or the projection's message, never the event's data (it may name a person). */
  @Column({ type: 'text' })
  error: string;

  @Column({ type: 'varchar', length: 32 })
  failedAt: string;

  /** Later events of the stream that wait behind the failed one. */
  @Column({ type: 'integer', default: 0 })
  heldEvents: number;
}
