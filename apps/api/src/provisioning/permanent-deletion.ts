import { Injectable } from '@nestjs/common';
import { CommandMetadata, decide, emailKey, PermanentDeletionReason } from '@scim-ledger/domain';
import { ReadYourWrites } from '../event-sourcing/read-your-writes';
import { UserStreams } from '../scim-users/user-streams';
import { EmailReservations } from './email-reservations';
import { ProfileSeatsService } from './profile-seats.service';

/**
 * Deletes a preserved user for good (rule L10) and gives back what it held:
 * its address (rule L8) and its profile seat (rule M5). If the process dies
 * between the two, both claims are stale (their user is deleted) and the next
 * claimant takes them over.
 */
@Injectable()
export class PermanentDeletion {
  constructor(
    private readonly users: UserStreams,
    private readonly reservations: EmailReservations,
    private readonly seats: ProfileSeatsService,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /**
   * `expectedRevision`, when given, is the revision the caller decided on
   * (the auto-delete job reads it from the read model): a user changed since
   * is left alone instead of deleted on stale facts. Returns whether it deleted.
   */
  async delete(userId: string, reason: PermanentDeletionReason, metadata: CommandMetadata, expectedRevision?: number): Promise<boolean> {
    const decided = await this.users.decideAndAppend(
      userId,
      (loaded) => (expectedRevision !== undefined && loaded.revision !== expectedRevision ? [] : decide({ type: 'DeleteUserPermanently', data: { reason } }, loaded.state)),
      metadata,
      () => expectedRevision === undefined,
    );
    const before = decided.loaded.state;
    if (!decided.appended || (before.status !== 'Active' && before.status !== 'Preserved')) return false;
    await this.reservations.release(emailKey(before.profile.userName), userId, metadata);
    if (before.placement) await this.seats.release(metadata.tenantId, before.placement.profileId, userId, metadata);
    await this.readYourWrites.visible(decided.appended.position, metadata.requestId);
    return true;
  }
}
