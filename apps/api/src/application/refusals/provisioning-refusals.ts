import { Injectable, Logger } from '@nestjs/common';
import {
  CommandMetadata,
  fitsWidth,
  EmailReservationRefused,
  isProvisioningRefusal,
  PlacementRefused,
  ProfileFull,
  PROVISIONING_REFUSAL_EVENT_SCHEMA_VERSIONS,
  ProvisioningRefused,
  provisioningRefusalsStreamId,
  TEXT_WIDTH,
  UserCommandRefused,
} from '@scim-ledger/domain';
import { DecidedStreams, StreamKind } from '../event-sourcing/decided-streams';
import { toScimError } from '../../http/scim-exception.filter';

const REFUSALS: StreamKind<null, ProvisioningRefused> = {
  isEvent: isProvisioningRefusal,
  fold: () => null,
  schemaVersions: PROVISIONING_REFUSAL_EVENT_SCHEMA_VERSIONS,
};

export type RefusedOperation = ProvisioningRefused['data']['operation'];

/**
 * Records why a SCIM request was refused (rule S2). Best effort: a refusal
 * that cannot be recorded is logged, and the IdP still gets its error.
 */
@Injectable()
export class ProvisioningRefusals {
  private readonly logger = new Logger(ProvisioningRefusals.name);

  constructor(private readonly streams: DecidedStreams) {}

  async record(
    metadata: CommandMetadata,
    attempt: { operation: RefusedOperation; userName: string | null; userId: string | null },
    error: unknown,
    reason?: string,
  ): Promise<void> {
    const scim = toScimError(error);
    // The service's own failures are not the IdP's refusals: they are logged as errors already.
    if (scim.status >= 500 && scim.status !== 503) return;
    // The audit trail files a refusal under its user: an id longer than any user's names none (it stays in the detail).
    const userId = attempt.userId !== null && fitsWidth(TEXT_WIDTH.userId, attempt.userId) ? attempt.userId : null;
    const refused: ProvisioningRefused = {
      type: 'ProvisioningRefused',
      data: { ...attempt, userId, reason: reason ?? reasonOf(error, scim.status), status: scim.status, scimType: scim.scimType ?? null, detail: scim.detail },
    };
    try {
      // Refusals never conflict with each other: any revision will do.
      await this.streams.append(provisioningRefusalsStreamId(metadata.tenantId), REFUSALS, [refused], 'any', metadata);
    } catch (failure) {
      this.logger.warn(`request ${metadata.requestId}: could not record a refusal: ${(failure as Error).message}`);
    }
  }

  /** Runs a SCIM write and records its refusal, if any, before the error goes back to the IdP. */
  async recorded<T>(
    metadata: CommandMetadata,
    attempt: { operation: RefusedOperation; userName: string | null; userId: string | null },
    write: () => Promise<T>,
  ): Promise<T> {
    try {
      return await write();
    } catch (error) {
      await this.record(metadata, attempt, error);
      throw error;
    }
  }
}

function reasonOf(error: unknown, status: number): string {
  if (error instanceof EmailReservationRefused || error instanceof PlacementRefused || error instanceof UserCommandRefused) return error.reason;
  if (error instanceof ProfileFull) return 'ProfileFull';
  const scimType = (error as { scimType?: string })?.scimType;
  return scimType ?? `http${status}`;
}
