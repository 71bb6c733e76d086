import { Get, HttpCode, Post } from '@nestjs/common';
import { ReadModelProjector } from '@scim-ledger/read-model';
import { ProjectionFailuresReadModel } from '../../application/reading/projection-failures.read-model';
import { requireOperator } from '../auth/admin-principal';
import { AdminCall, Call } from '../http/admin-call';
import { AdminController, OperatorRoute } from '../http/admin-controller';

/**
 * The streams the projector set aside (issue 15, finding 1): the operator
 * sees each, with its error and how many later events wait, and retries them
 * after a fix. Readiness (issue 20) will report them too.
 */
@AdminController('operations')
export class ProjectionFailuresController {
  constructor(
    private readonly failures: ProjectionFailuresReadModel,
    private readonly projector: ReadModelProjector,
  ) {}

  @Get('projection-failures')
  @OperatorRoute({ summary: 'Streams the read-model projector set aside, with their error (operator)' })
  async list(@Call() call: AdminCall) {
    requireOperator(call.principal);
    const failures = await this.failures.setAsideStreams();
    return { totalResults: failures.length, failures };
  }

  @Post('projection-failures/retry')
  @HttpCode(200)
  @OperatorRoute({ summary: 'Apply the set-aside streams again, after a fix; those that fail again stay (operator)' })
  async retry(@Call() call: AdminCall) {
    requireOperator(call.principal);
    const { cleared, failing } = await this.projector.retryFailures();
    return { cleared, failing };
  }
}
