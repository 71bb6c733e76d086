import { Injectable } from '@nestjs/common';
import { CommandMetadata } from '@scim-ledger/domain';
import type { ScimUserInput } from '@scim-ledger/scim';
import { GlobalPosition } from '@scim-ledger/event-store';
import { Clock } from '@scim-ledger/platform';
import { ReadYourWrites } from '../application/event-sourcing/read-your-writes';
import { ProvisioningRefusals, RefusedAttempt } from '../application/refusals/provisioning-refusals';
import { RequestContext } from './request-context';
import { refusalAnswered } from './scim-exception.filter';
import { scimRefusals, scimWrites } from '../application/observability/metrics';

/** What every SCIM write needs around the decider: metadata in, read-your-writes and its refusal (if any) out. */
@Injectable()
export class ScimWrite {
  constructor(
    private readonly clock: Clock,
    private readonly readYourWrites: ReadYourWrites,
    private readonly refusals: ProvisioningRefusals,
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

  /** Runs a SCIM write and records its refusal (rule S2), as the IdP is answered, before the error goes back. */
  async recorded<T>(metadata: CommandMetadata, attempt: RefusedAttempt, write: () => Promise<T>): Promise<T> {
    const counted = { tenant: metadata.tenantId, operation: attempt.operation };
    try {
      const result = await write();
      scimWrites.inc({ ...counted, outcome: 'succeeded' });
      return result;
    } catch (error) {
      const answered = refusalAnswered(error);
      // Counted as the IdP is answered (issue 20, item 2): a refusal it can act on, or our own failure.
      scimWrites.inc({ ...counted, outcome: answered ? 'refused' : 'failed' });
      if (answered) scimRefusals.inc({ reason: answered.reason });
      if (answered) await this.refusals.record(metadata, attempt, answered);
      throw error;
    }
  }
}

/**
 * Rule A4: what the request sent and is not kept goes into the metadata of
 * every event it appends, and of its refusal: noted as soon as it is known
 * (before the body's other checks, so a refusal names them too; for a PATCH,
 * on the attempt that appends), before the append takes the metadata.
 */
export function noteIgnored(metadata: CommandMetadata, names: readonly string[]): void {
  Object.assign(metadata, { ignoredAttributes: names });
}

/** The profile and status a read request wants, its not-kept attributes noted (noteIgnored). */
export function tracedIn(
  metadata: CommandMetadata,
  input: ScimUserInput,
): { profile: ScimUserInput['profile']; active: boolean; ignoredAttributes: readonly string[] } {
  noteIgnored(metadata, input.notKept);
  return { profile: input.profile, active: input.active, ignoredAttributes: input.notKept };
}
