import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProjectionFailureRow } from '@scim-ledger/read-model';
import { READ_MODEL } from '../../tokens';

/** The streams the projector set aside, as the operator sees them. */
@Injectable()
export class ProjectionFailuresReadModel {
  constructor(@Inject(READ_MODEL) private readonly dataSource: DataSource) {}

  /** Every set-aside stream, in the order its failed event was written. */
  setAsideStreams(): Promise<ProjectionFailureRow[]> {
    return this.dataSource.getRepository(ProjectionFailureRow).find({ order: { position: 'ASC' } });
  }
}
