import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { ReadModelProjector } from '@scim-ledger/read-model';
import { Clock } from '@scim-ledger/platform';

export interface ProjectorLagReading {
  /** How long the oldest event the read model does not hold yet has waited; 0 when it holds every event. */
  readonly milliseconds: number;
  /** About how many events it does not hold yet; null where the store cannot count cheaply (EventStoreDB). */
  readonly events: number | null;
}

/**
 * How far the read model is behind the event store, from the stored
 * checkpoint, so it is right whichever process projects (in-process, another
 * api instance, apps/projector). The time is the waiting event's own
 * `occurredAt` against the app's clock: one event read, whatever the lag.
 */
@Injectable()
export class ProjectorLag {
  constructor(
    private readonly projector: ReadModelProjector,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly clock: Clock,
  ) {}

  async read(): Promise<ProjectorLagReading> {
    const checkpoint = await this.projector.checkpoint();
    const [waiting] = await this.eventStore.readAll({ after: checkpoint, maxCount: 1 });
    if (!waiting) return { milliseconds: 0, events: 0 };
    const occurredAt = Date.parse(String(waiting.metadata.occurredAt));
    const milliseconds = Number.isNaN(occurredAt) ? 0 : Math.max(0, this.clock.now().getTime() - occurredAt);
    return { milliseconds, events: await this.eventsBehind(checkpoint.prepare) };
  }

  /**
   * SQLite and PostgreSQL number events with one sequence, the position's
   * `prepare` part and the top of approximateEventCount (gaps of rolled-back
   * appends count, so it is an upper bound); at least the one event waiting.
   */
  private async eventsBehind(checkpointSequence: bigint): Promise<number | null> {
    if (this.eventStore.backend === 'eventstoredb' || !this.eventStore.approximateEventCount) return null;
    const top = await this.eventStore.approximateEventCount();
    return Math.max(1, top - Math.max(0, Number(checkpointSequence)));
  }
}
