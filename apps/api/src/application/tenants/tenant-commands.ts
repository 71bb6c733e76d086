import { Injectable } from '@nestjs/common';
import { Actor, CommandMetadata, decideTenant, foldTenant, TenantCommand, TenantEvent, TenantState, tenantStream, tenantStreamId } from '@scim-ledger/domain';
import { Clock } from '@scim-ledger/platform';
import { DecidedStreams, LoadedStream, streamKindOf } from '../event-sourcing/decided-streams';
import { ReadYourWrites } from '../event-sourcing/read-your-writes';

const TENANT_STREAMS = streamKindOf(tenantStream);

/** Who asked, for the events' metadata (rule S1). */
export interface AdminRequest {
  readonly actor: Actor;
  readonly requestId: string;
  readonly userAgent: string | null;
  readonly clientAddress: string | null;
}

/**
 * Runs tenant commands: load the tenant's stream, decide, append at the loaded
 * revision (re-deciding on fresh state after a lost race), then wait until the
 * admin tables show the change, so the next read sees it.
 */
@Injectable()
export class TenantCommands {
  /** Told after every change a command made here is visible (or waited for in vain). */
  private readonly changeListeners = new Set<(tenantId: string) => void>();

  constructor(
    private readonly streams: DecidedStreams,
    private readonly readYourWrites: ReadYourWrites,
    private readonly clock: Clock,
  ) {}

  now(): string {
    return this.clock.now().toISOString();
  }

  /** For caches of what tenant events decide (SCIM tokens): dropped before the change is answered. */
  afterEachChange(listener: (tenantId: string) => void): void {
    this.changeListeners.add(listener);
  }

  /**
   * Every SCIM create needs its tenant's mappings and profiles, and a tenant
   * stream only grows (a token use a day, every admin change): DecidedStreams
   * keeps its fold and reads only the events after it.
   */
  load(tenantId: string): Promise<LoadedStream<TenantState>> {
    return this.streams.load(tenantStreamId(tenantId), TENANT_STREAMS);
  }

  /** `command` may depend on the state, e.g. to carry facts only the read side knows. */
  async execute(
    tenantId: string,
    command: TenantCommand | ((state: TenantState) => TenantCommand),
    request: AdminRequest,
  ): Promise<{ state: TenantState; events: TenantEvent[] }> {
    const metadata: CommandMetadata = { tenantId, ...request, now: this.now() };
    const decided = await this.streams.decideAndAppend(
      tenantStreamId(tenantId),
      TENANT_STREAMS,
      (loaded) => decideTenant(typeof command === 'function' ? command(loaded.state) : command, loaded.state),
      metadata,
    );
    if (decided.appended) {
      try {
        await this.readYourWrites.visible(decided.appended.position, request.requestId);
      } finally {
        for (const listener of this.changeListeners) listener(tenantId);
      }
    }
    return { state: foldTenant(decided.events, decided.loaded.state), events: [...decided.events] };
  }
}
