import { Injectable } from '@nestjs/common';
import { CommandMetadata, decide, DomainRefused, KnownUser, UserCommand, UserEvent, UserState } from '@scim-ledger/domain';
import { Decided } from '../event-sourcing/decided-streams';
import { ReadYourWrites } from '../event-sourcing/read-your-writes';
import { Licences } from '../provisioning/licences';
import { PermanentDeletion } from '../provisioning/permanent-deletion';
import type { WriteGuard } from './idp-user-update';
import { LoadedUser, UserStreams } from './user-streams';

/**
 * One command on one existing user of the tenant the metadata names: admit
 * the user (by default any user of that tenant, as an administrator sees
 * them; a protocol may pass its own guard), decide on the user's stream,
 * check the licences a reactivation needs (rule L10), append (deciding
 * again after a lost race), then wait until the read model shows it.
 */
@Injectable()
export class UserCommands {
  constructor(
    private readonly streams: UserStreams,
    private readonly licences: Licences,
    private readonly readYourWrites: ReadYourWrites,
    private readonly deletion: PermanentDeletion,
  ) {}

  async execute(
    userId: string,
    command: UserCommand,
    metadata: CommandMetadata,
    guard: WriteGuard = tenantsUser(metadata.tenantId),
  ): Promise<Decided<UserState, UserEvent> & { readonly loaded: LoadedUser }> {
    const decided = await this.streams.decideAndAppend(
      userId,
      async (loaded) => {
        guard.admit(loaded);
        const events = decide(command, loaded.state);
        await this.licences.ensureFor(metadata.tenantId, events);
        return events;
      },
      metadata,
      guard.retry,
    );
    if (decided.appended) await this.readYourWrites.visible(decided.appended.position, metadata.requestId);
    return decided;
  }

  /** An administrator deletes a preserved user of the tenant for good (rule L10). */
  async deletePermanently(userId: string, metadata: CommandMetadata): Promise<void> {
    const loaded = await this.streams.load(userId);
    // A user of this tenant deleted for good already goes on to PermanentDeletion: if a failure cut its shredding
    // short, the admin's retry finishes it there, then gets the same 404. Every other user must be the tenant's.
    const deletedHere = loaded.state.status === 'Deleted' && loaded.state.tenantId === metadata.tenantId;
    if (!deletedHere) tenantsUser(metadata.tenantId).admit(loaded);
    await this.deletion.delete(userId, 'deleted_by_admin', metadata);
  }
}

/**
 * The administrator's guard: the user exists, is not deleted for good, and is
 * the tenant's, by its own stream; any other is not found, like an unknown one.
 */
function tenantsUser(tenantId: string): WriteGuard {
  return {
    admit: ({ userId, state }): KnownUser => {
      if (state.status === 'Initial' || state.status === 'Deleted' || state.tenantId !== tenantId) {
        throw new DomainRefused('UserNotFound', `user ${userId} not found`);
      }
      return state;
    },
    retry: () => true,
  };
}
