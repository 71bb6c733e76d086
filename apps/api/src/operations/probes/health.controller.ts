import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Readiness } from './readiness';

/**
 * The orchestrator's probes (issue 20, item 1), without a credential and in
 * terminus's JSON: 200 with `status: "ok"`, or 503 with `status: "error"`
 * and the failing check under `error`. Left out of the rate limits and the
 * request log (create-app.ts, app.module.ts).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: Readiness,
  ) {}

  /** The process answers: a restart is the only cure for a failure here, so nothing outside the process is asked. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Whether to send this instance requests: its databases answer, its reads are fresh, no rebuild is switching. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.readiness.eventStoreAnswers(),
      () => this.readiness.readModelAnswers(),
      () => this.readiness.projectorKeepsUp(),
      () => this.readiness.noRebuildSwitching(),
    ]);
  }
}
