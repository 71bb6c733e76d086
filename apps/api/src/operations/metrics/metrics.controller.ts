import { Controller, Get, Headers, Inject, OnModuleInit, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Gauge, register } from 'prom-client';
import { sameHash, sha256Hex } from '@scim-ledger/platform';
import { ScimError } from '@scim-ledger/scim';
import { presentedCredential } from '../../auth/authorization-header';
import { failedAuthenticationRefusal } from '../../http/rate-limit';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { ProjectorLag } from '../projector-lag';

/**
 * Prometheus' scrape (issue 20, item 2): the default registry, where the
 * api, the event store, the projector and prom-client's process metrics
 * (collectDefaultMetrics) are counted. With METRICS_TOKEN set, only a scrape
 * that sends it as a bearer token is answered; a wrong one is a failed
 * authentication like any other (AUTH_FAILURE_LIMIT).
 */
@Controller('metrics')
export class MetricsController implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lag: ProjectorLag,
  ) {}

  onModuleInit(): void {
    // The process metrics are registered once per process, whatever number of apps a test suite starts.
    if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
    measureProjectorLag(this.lag);
  }

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.admit(authorization, request);
    const text = await register.metrics();
    void reply.status(200).header('content-type', register.contentType).send(text);
  }

  private admit(authorization: string | undefined, request: FastifyRequest): void {
    const expected = this.config.metricsToken;
    if (expected === undefined) return;
    const credential = presentedCredential(authorization);
    if (credential?.scheme === 'bearer' && sameHash(sha256Hex(credential.token), sha256Hex(expected))) return;
    // Like every other credential: over AUTH_FAILURE_LIMIT a wrong guess gets 429, not one more 401 (the attack on issue 20).
    const overLimit = failedAuthenticationRefusal(request);
    if (overLimit) throw overLimit;
    throw new ScimError(401, 'GET /metrics needs the bearer token METRICS_TOKEN', undefined, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
  }
}

/** The lag gauges read at scrape time, from the app scraped last (one app per process outside the tests). */
let lagSource: ProjectorLag | null = null;

/**
 * The read model's lag behind the events, from the stored checkpoint, so it
 * is right whichever process projects. Read when scraped: an unanswerable
 * database leaves the gauges at their last values rather than failing the scrape.
 */
function measureProjectorLag(lag: ProjectorLag): void {
  lagSource = lag;
  if (register.getSingleMetric('scim_ledger_projector_lag_seconds')) return;
  let last: { seconds: number; events: number | null } = { seconds: 0, events: 0 };
  const read = async () => {
    try {
      const reading = await lagSource?.read();
      if (reading) last = { seconds: reading.milliseconds / 1000, events: reading.events };
    } catch {
      // The database does not answer: GET /health/ready says so; the scrape goes on.
    }
    return last;
  };
  new Gauge({
    name: 'scim_ledger_projector_lag_seconds',
    help: 'How long the oldest event the read model does not hold yet has waited (0: it holds every event)',
    async collect() {
      this.set((await read()).seconds);
    },
  });
  new Gauge({
    name: 'scim_ledger_projector_lag_events',
    help: 'About how many events the read model does not hold yet (SQLite and PostgreSQL; absent on EventStoreDB)',
    async collect() {
      const { events } = await read();
      if (events === null) this.reset();
      else this.set(events);
    },
  });
}
