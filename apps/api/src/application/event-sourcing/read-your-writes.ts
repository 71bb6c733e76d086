import { Inject, Injectable, Logger } from '@nestjs/common';
import { GlobalPosition } from '@scim-ledger/event-store';
import { ReadModelFreshness } from '@scim-ledger/read-model';
import { APP_CONFIG, AppConfig } from '../../tokens';

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
    const fresh = await this.freshness.waitFor(position, this.config.readYourWritesTimeoutMs);
    if (!fresh) this.logger.warn(`request ${requestId}: read model did not reach the write within ${this.config.readYourWritesTimeoutMs} ms`);
  }
}
