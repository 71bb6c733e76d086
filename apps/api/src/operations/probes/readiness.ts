import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { ReadModelHealthReadModel } from '../../application/reading/read-model-health.read-model';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { ProjectorLag } from '../projector-lag';

/** Longer than any healthy database answers a primary-key lookup; a probe must answer before the orchestrator's own time-out. */
const DATABASE_ANSWER_MS = 2_000;
/** A stream no write ever names: reading its last event is one index lookup on every backend. */
const PROBE_STREAM = 'health-probe';

/**
 * The checks of GET /health/ready (issue 20, item 1), each named as terminus
 * reports it. A failing one says what is wrong in words, never the driver's
 * error: the probe has no credential, and addresses or SQL would leak.
 */
@Injectable()
export class Readiness {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly readModel: ReadModelHealthReadModel,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lag: ProjectorLag,
  ) {}

  async eventStoreAnswers(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('eventStore');
    const backend = this.eventStore.backend;
    return (await answerInTime(() => this.eventStore.readLastEvent(PROBE_STREAM)))
      ? check.up({ backend })
      : check.down({ backend, message: `the ${backend} event store did not answer within ${DATABASE_ANSWER_MS} ms` });
  }

  async readModelAnswers(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('readModel');
    const backend = this.config.readModel.type;
    return (await answerInTime(() => this.readModel.answers()))
      ? check.up({ backend })
      : check.down({ backend, message: `the ${backend} read model did not answer within ${DATABASE_ANSWER_MS} ms` });
  }

  async projectorKeepsUp(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('projector');
    const bound = this.config.readiness.maxProjectorLagMs;
    if (bound === 0) return check.up({ lagChecked: false });
    const answer = await answerInTime(() => this.lag.read());
    if (!answer) return check.down({ message: 'the projector checkpoint could not be read' });
    const reading = answer.value;
    const facts = { lagMs: reading.milliseconds, lagEvents: reading.events, maxLagMs: bound };
    return reading.milliseconds <= bound
      ? check.up(facts)
      : check.down({ ...facts, message: `the read model is ${reading.milliseconds} ms behind the events, over READY_MAX_PROJECTOR_LAG_MS` });
  }

  /** A blue/green switch takes the live tables (and on SQLite their indexes) away for a moment: serve elsewhere meanwhile. */
  async noRebuildSwitching(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('rebuild');
    const answer = await answerInTime(() => this.readModel.rebuildSwitching());
    if (!answer) return check.down({ message: 'the rebuild claim could not be read' });
    const switching = answer.value;
    return switching ? check.down({ switching, message: 'a blue/green rebuild is switching the read model over' }) : check.up({ switching });
  }
}

/** The answer, or null when it failed or took longer than DATABASE_ANSWER_MS. */
async function answerInTime<T>(ask: () => Promise<T>): Promise<{ readonly value: T } | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), DATABASE_ANSWER_MS)));
  try {
    return await Promise.race([ask().then((value) => ({ value })), late]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
