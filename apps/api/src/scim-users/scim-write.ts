import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandMetadata } from '@scim-ledger/domain';
import { GlobalPosition } from '@scim-ledger/event-store';
import { ReadModelFreshness } from '@scim-ledger/read-model';
import { Clock } from '@scim-ledger/platform';
import { RequestContext } from '../http/request-context';
import { APP_CONFIG, AppConfig } from '../tokens';

/** What every SCIM write needs around the decider: metadata in, read-your-writes out. */
@Injectable()
export class ScimWrite {
  private readonly logger = new Logger(ScimWrite.name);

  constructor(
    private readonly clock: Clock,
    private readonly freshness: ReadModelFreshness,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  metadata(context: RequestContext): CommandMetadata {
    return {
      tenantId: context.principal.tenantId,
      actor: { kind: 'scim-token', id: context.principal.tokenId },
      requestId: context.requestId,
      userAgent: context.userAgent,
      clientAddress: context.clientAddress,
      now: this.clock.now().toISOString(),
    };
  }

  /**
   * Holds the answer until the read model has the write, so the IdP's next
   * lookup sees it (Entra ID searches by userName right before a create).
   */
  async visible(position: GlobalPosition, requestId: string): Promise<void> {
    const fresh = await this.freshness.waitFor(position, this.config.readYourWritesTimeoutMs);
    if (!fresh) this.logger.warn(`request ${requestId}: read model did not reach the write within ${this.config.readYourWritesTimeoutMs} ms`);
  }
}
