import { Injectable } from '@nestjs/common';
import { CommandMetadata } from '@scim-ledger/domain';
import { GlobalPosition } from '@scim-ledger/event-store';
import { Clock } from '@scim-ledger/platform';
import { ReadYourWrites } from '../application/event-sourcing/read-your-writes';
import { RequestContext } from '../http/request-context';

/** What every SCIM write needs around the decider: metadata in, read-your-writes out. */
@Injectable()
export class ScimWrite {
  constructor(
    private readonly clock: Clock,
    private readonly readYourWrites: ReadYourWrites,
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

  visible(position: GlobalPosition, requestId: string): Promise<void> {
    return this.readYourWrites.visible(position, requestId);
  }
}
