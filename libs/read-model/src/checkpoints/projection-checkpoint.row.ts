import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How far a projection has applied the global event order; written in the same transaction as its rows. */
@Entity('projection_checkpoints')
export class ProjectionCheckpointRow {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  name: string;

  /** formatPosition() of the last event applied. */
  @Column({ type: 'varchar', length: 64 })
  position: string;

  @Column({ type: 'varchar', length: 32 })
  updatedAt: string;
}
