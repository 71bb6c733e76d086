import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rebuildSwitching } from '@scim-ledger/read-model';
import { READ_MODEL } from '../../tokens';

/** What the readiness probe asks the read model's database (issue 20, item 1). */
@Injectable()
export class ReadModelHealthReadModel {
  constructor(@Inject(READ_MODEL) private readonly dataSource: DataSource) {}

  /** Resolves once the database answered a statement that touches no table. */
  async answers(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /** Whether a blue/green rebuild is switching the live tables over now. */
  rebuildSwitching(): Promise<boolean> {
    return rebuildSwitching(this.dataSource);
  }
}
