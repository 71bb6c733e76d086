import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EVENT_STORE, EventStore } from '@scim-ledger/event-store';
import { ReadModelProjector } from '@scim-ledger/read-model';
import { APP_CONFIG, AppConfig, READ_MODEL } from './tokens';

/**
 * Runs the projector inside the api unless it runs as its own process
 * (PROJECTOR=external, apps/projector), and closes the stores on shutdown.
 * With several instances on one database, each runs one and the projection
 * lock lets one of them project; the others' writes wait on the shared
 * checkpoint (ReadModelFreshness polls it) and one takes over if it dies.
 */
@Injectable()
export class ProjectorLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private readonly stop = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    private readonly projector: ReadModelProjector,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_MODEL) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.projector !== 'in-process') return;
    this.running = this.projector.run(this.stop.signal);
    this.logger.log(
      `projecting ${this.eventStore.backend} events into the ${this.config.readModel.type} read model in-process, whenever this instance holds the projection lock`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.running;
    await this.eventStore.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
