import { Inject, Injectable } from '@nestjs/common';
import { CommandMetadata, decide, emailKey, PermanentDeletionReason, userSubject } from '@scim-ledger/domain';
import { PERSONAL_DATA_SHREDDER, PersonalDataShredder } from '@scim-ledger/event-store';
import { ReadYourWrites } from '../event-sourcing/read-your-writes';
import { UserStreams } from '../users/user-streams';
import { EmailReservations } from '../address-claims/email-reservations';
import { ProfileSeatsService } from '../profile-seats/profile-seats.service';

/**
 * Deletes a preserved user for good (rule L10) and gives back what it held:
 * its address (rule L8) and its profile seat (rule M5). If the process dies
 * between the two, both claims are stale (their user is deleted) and the next
 * claimant takes them over. Its personal data in the events is shredded
 * right after the deletion is recorded.
 */
@Injectable()
export class PermanentDeletion {
  constructor(
    private readonly users: UserStreams,
    private readonly reservations: EmailReservations,
    private readonly seats: ProfileSeatsService,
    private readonly readYourWrites: ReadYourWrites,
    @Inject(PERSONAL_DATA_SHREDDER) private readonly shredder: PersonalDataShredder,
  ) {}

  /**
   * `expectedRevision`, when given, is the revision the caller decided on
   * (the auto-delete job reads it from the read model): a user changed since
   * is left alone instead of deleted on stale facts. Returns whether it deleted.
   */
  async delete(userId: string, reason: PermanentDeletionReason, metadata: CommandMetadata, expectedRevision?: number): Promise<boolean> {
    const decided = await this.users.decideAndAppend(
      userId,
      (loaded) => {
        if (expectedRevision !== undefined && loaded.revision !== expectedRevision) return [];
        // Deleted already, but the process may have died before shredding: finish that, then refuse as before.
        if (loaded.state.status === 'Deleted') return this.forget(userId).then(() => decide({ type: 'DeleteUserPermanently', data: { reason } }, loaded.state));
        return decide({ type: 'DeleteUserPermanently', data: { reason } }, loaded.state);
      },
      metadata,
      () => expectedRevision === undefined,
    );
    const before = decided.loaded.state;
    if (!decided.appended || (before.status !== 'Active' && before.status !== 'Preserved')) return false;
    // Crypto-shredding: every personal field this user's events (and refusals naming it) carry is unreadable from here on.
    await this.forget(userId);
    await this.reservations.release(emailKey(before.profile.userName), userId, metadata);
    if (before.placement) await this.seats.release(metadata.tenantId, before.placement.profileId, userId, metadata);
    await this.readYourWrites.visible(decided.appended.position, metadata.requestId);
    return true;
  }

  /** Shreds the user's fields in its events, and drops this process's fold of them, which holds them in clear. */
  private async forget(userId: string): Promise<void> {
    await this.shredder.forget([userSubject(userId)]);
    this.users.dropFolded(userId);
  }
}
