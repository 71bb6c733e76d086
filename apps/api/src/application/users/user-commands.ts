import { Injectable } from '@nestjs/common';
import { CommandMetadata, decide, UserCommand } from '@scim-ledger/domain';
import { ReadYourWrites } from '../event-sourcing/read-your-writes';
import { Licences } from '../provisioning/licences';
import { UserStreams } from './user-streams';

/**
 * One command on one existing user, as an administrator gives it: decide on
 * the user's stream, check the licences a reactivation needs (rule L10),
 * append (deciding again after a lost race), then wait until the read model
 * shows it.
 */
@Injectable()
export class UserCommands {
  constructor(
    private readonly streams: UserStreams,
    private readonly licences: Licences,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async execute(userId: string, command: UserCommand, metadata: CommandMetadata): Promise<void> {
    const decided = await this.streams.decideAndAppend(
      userId,
      async (loaded) => {
        const events = decide(command, loaded.state);
        await this.licences.ensureFor(metadata.tenantId, events);
        return events;
      },
      metadata,
    );
    if (decided.appended) await this.readYourWrites.visible(decided.appended.position, metadata.requestId);
  }
}
