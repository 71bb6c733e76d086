import { Injectable, Logger } from '@nestjs/common';
import {
  CommandMetadata,
  firstCharacters,
  fitsWidth,
  ProvisioningRefused,
  provisioningRefusalsStream,
  provisioningRefusalsStreamId,
  TEXT_WIDTH,
} from '@scim-ledger/domain';
import { DecidedStreams, streamKindOf } from '../event-sourcing/decided-streams';

const REFUSALS = streamKindOf(provisioningRefusalsStream);

export type RefusedOperation = ProvisioningRefused['data']['operation'];

export interface RefusedAttempt {
  readonly operation: RefusedOperation;
  readonly userName: string | null;
  readonly userId: string | null;
  /** The group the request named, if any: the audit feed files the refusal under it too. */
  readonly groupId?: string;
}

/** What a refusal keeps of its answer's detail. */
export const MAX_REFUSAL_DETAIL = 2_000;

/** Why (the domain's reason) and what the IdP was answered: chosen at the HTTP edge. */
export type AnsweredRefusal = Pick<ProvisioningRefused['data'], 'reason' | 'status' | 'scimType' | 'detail'>;

/**
 * Records why a SCIM request was refused (rule S2). Best effort: a refusal
 * that cannot be recorded is logged, and the IdP still gets its error.
 */
@Injectable()
export class ProvisioningRefusals {
  private readonly logger = new Logger(ProvisioningRefusals.name);

  constructor(private readonly streams: DecidedStreams) {}

  async record(metadata: CommandMetadata, attempt: RefusedAttempt, answered: AnsweredRefusal): Promise<void> {
    // The audit trail files a refusal under its user: an id longer than any user's names none (it stays in the detail).
    const userId = attempt.userId !== null && fitsWidth(TEXT_WIDTH.userId, attempt.userId) ? attempt.userId : null;
    // A detail that quotes what was sent is cut: a refusal is kept for good, and one of 1 MB made audit pages of 57 MB
    // (the second attack on issue 18, B9).
    const detail = answered.detail.length > MAX_REFUSAL_DETAIL ? `${firstCharacters(answered.detail, MAX_REFUSAL_DETAIL - 1)}…` : answered.detail;
    // Likewise a group id, which no group would have.
    const { groupId: named, ...user } = attempt;
    const groupId = named !== undefined && fitsWidth(TEXT_WIDTH.userId, named) ? { groupId: named } : {};
    const refused: ProvisioningRefused = { type: 'ProvisioningRefused', data: { ...user, userId, ...groupId, ...answered, detail } };
    try {
      // Refusals never conflict with each other: any revision will do.
      await this.streams.append(provisioningRefusalsStreamId(metadata.tenantId), REFUSALS, [refused], 'any', metadata);
    } catch (failure) {
      this.logger.warn(`request ${metadata.requestId}: could not record a refusal: ${(failure as Error).message}`);
    }
  }
}
