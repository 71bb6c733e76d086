import { Inject, Injectable, Logger } from '@nestjs/common';
import { GlobalPosition } from '@scim-ledger/event-store';
import { ReadModelFreshness } from '@scim-ledger/read-model';
import { APP_CONFIG, AppConfig } from '../../tokens';
import { readYourWritesTimeouts, readYourWritesWait } from '../observability/metrics';

/**
 * Holds a write's answer until the read model has it, so the caller's next
 * read sees it (Entra ID searches by userName right before a create), for at
 * most READ_YOUR_WRITES_TIMEOUT_MS: the write itself is already stored.
 */
@Injectable()
export class ReadYourWrites {
  private readonly logger = new Logger(ReadYourWrites.name);

  constructor(
    private readonly freshness: ReadModelFreshness,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async visible(position: GlobalPosition, requestId: string): Promise<void> {
    const waited = readYourWritesWait.startTimer();
    const fresh = await this.freshness.waitFor(position, this.config.readYourWritesTimeoutMs);
    waited({ outcome: fresh ? 'visible' : 'timed_out' });
    if (!fresh) readYourWritesTimeouts.inc();
    if (!fresh) this.logger.warn(`request ${requestId}: read model did not reach the write within ${this.config.readYourWritesTimeoutMs} ms`);
  }
}
