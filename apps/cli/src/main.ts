import 'reflect-metadata';
import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evolve, initialUserState, isUserEvent, upcastUserEvent, userStreamId, UserState } from '@scim-ledger/domain';
import { openEventStore } from '@scim-ledger/event-store';
import { openReadModel, readModelDifferences, rebuildReadModel } from '@scim-ledger/read-model';
import { loadConfig } from '@scim-ledger/platform';

/**
 * Support tooling (rule S3). It reads the same environment variables as the
 * api, so it works against whichever backend the deployment uses.
 */
const program = new Command()
  .name('scim-ledger')
  .description('Support tooling for scim-ledger: replay a user, verify the read model against the events')
  .showHelpAfterError();

program
  .command('replay')
  .description("print each event of a user's stream and the state it led to")
  .argument('<kind>', 'what to replay: user')
  .argument('<id>', 'the user id (the SCIM id)')
  .action(async (kind: string, id: string) => {
    if (kind !== 'user') program.error(`cannot replay "${kind}": only "user" is supported so far`);
    const eventStore = await openEventStore(loadConfig().eventStore);
    try {
      const events = await eventStore.readStream(userStreamId(id));
      if (events.length === 0) program.error(`no events for user ${id}`);
      let state: UserState = initialUserState;
      for (const event of events) {
        const metadata = event.metadata as { occurredAt?: string; actor?: { kind: string; id: string }; requestId?: string; userAgent?: string };
        if (isUserEvent(event)) state = evolve(state, upcastUserEvent(event));
        process.stdout.write(
          `#${event.revision} ${metadata.occurredAt ?? '?'} ${event.type} by ${metadata.actor?.kind ?? '?'}:${metadata.actor?.id ?? '?'} ` +
            `request ${metadata.requestId ?? '?'} (${metadata.userAgent ?? 'no user agent'})\n` +
            `    data:  ${JSON.stringify(event.data)}\n    state: ${JSON.stringify(state)}\n`,
        );
      }
    } finally {
      await eventStore.close();
    }
  });

program
  .command('verify')
  .description('rebuild the read model from the events into a scratch database and report every difference from the live one (exit 1 if any)')
  .action(async () => {
    const config = loadConfig();
    const scratch = mkdtempSync(join(tmpdir(), 'scim-ledger-verify-'));
    const eventStore = await openEventStore(config.eventStore);
    const live = await openReadModel(config.readModel);
    const rebuilt = await openReadModel({ type: 'sqlite', file: join(scratch, 'rebuilt.sqlite') });
    try {
      const events = await rebuildReadModel(rebuilt, eventStore);
      const differences = await readModelDifferences(live, rebuilt);
      for (const difference of differences) process.stdout.write(`${difference}\n`);
      process.stdout.write(`${events} events folded; ${differences.length} difference(s)\n`);
      process.exitCode = differences.length === 0 ? 0 : 1;
    } finally {
      await Promise.all([eventStore.close(), live.destroy(), rebuilt.destroy()]);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
});
