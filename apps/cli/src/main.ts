import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Command, InvalidArgumentError } from 'commander';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { personalFieldsOf, TenantState, tenantStream, tenantStreamId, userHistory, UserMembershipChange, userStreamId } from '@scim-ledger/domain';
import { openEventStore, RecordedEvent, sqliteWriteLock } from '@scim-ledger/event-store';
import {
  addressClaimDifferences,
  claimLiveAddresses,
  openReadModel,
  openReadModelAsItIs,
  readModelDifferences,
  ReadModelProjector,
  rebuildBlueGreen,
  rebuildReadModel,
  RebuildRefusedError,
  userMembershipChanges,
} from '@scim-ledger/read-model';
import { jsonLogs, loadConfig } from '@scim-ledger/platform';
import { ExportedEvent, exportedEvents, importEvents, issueSupportCredential } from './event-export';
import { commandProgressDisplay } from './command-progress';
import { complain, say, terminalLines } from './terminal-text';

/**
 * Support tooling (rule S3). It reads the same environment variables as the
 * api, so it works against whichever backend the deployment uses.
 */
const program = new Command()
  .name('scim-ledger')
  .description('Support tooling for scim-ledger: replay a user or a tenant, verify the read model against the events')
  .version(packageVersion(), '-V, --version', 'print the version of scim-ledger')
  // A mistake is one line saying what and a pointer to the help, never the whole help text (issue 20, item 7).
  .showHelpAfterError('(run with --help for the usage)')
  // Commander's own help and errors echo arguments: made safe like every other line (issue 15, finding 7).
  .configureOutput({
    writeOut: (text) => process.stdout.write(terminalLines(text)),
    writeErr: (text) => process.stderr.write(terminalLines(text)),
  });

program
  .command('replay')
  .description("print each event of a user's or a tenant's stream with who, when and why, and the change it caused (rule S3)")
  .argument('<kind>', 'what to replay: user or tenant')
  .argument('<id>', 'the user id (the SCIM id) or the tenant id')
  .option('--until <time>', 'stop after the events that occurred at or before this ISO 8601 instant')
  .option('--revision <n>', 'stop after this stream revision', (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a revision is a whole number');
    return Number(value);
  })
  .option('--json', 'print one JSON document (the events, each with its summary and changes, and the state) instead of lines')
  .action(async (kind: string, id: string, options: { until?: string; revision?: number; json?: boolean }) => {
    if (kind !== 'user' && kind !== 'tenant') program.error(`cannot replay "${kind}": use user or tenant`);
    if (options.until !== undefined && Number.isNaN(Date.parse(options.until))) program.error(`--until ${options.until} is not an ISO 8601 instant`);
    const eventStore = await openEventStore(loadConfig().eventStore, personalFieldsOf);
    try {
      const recorded = await eventStore.readStream(kind === 'user' ? userStreamId(id) : tenantStreamId(id));
      if (recorded.length === 0) program.error(`no events for ${kind} ${id}`);
      const until = options.until === undefined ? null : Date.parse(options.until);
      const shown = recorded.filter((event) => {
        const occurredAt = (event.metadata as { occurredAt?: string }).occurredAt;
        if (options.revision !== undefined && event.revision > options.revision) return false;
        return until === null || (occurredAt !== undefined && Date.parse(occurredAt) <= until);
      });
      const memberships = kind === 'user' ? membershipsUpTo(await membershipChangesOf(id), shown, options) : [];
      if (options.json) {
        const replayed = kind === 'user' ? userHistory(shown, memberships) : { entries: shown.map(tenantEntry), state: tenantStateAfter(shown) };
        process.stdout.write(`${JSON.stringify({ kind, id, replayed: shown.length, total: recorded.length, ...replayed })}\n`);
        return;
      }
      if (kind === 'user') replayUser(shown, memberships);
      else replayTenant(shown);
      say(`${shown.length} of ${recorded.length} event(s) replayed${kind === 'user' ? `, ${memberships.length} membership change(s)` : ''}`);
    } finally {
      await eventStore.close();
    }
  });

/**
 * The user's membership changes (rule G2), as the read model keeps them per
 * member (as `verify` reads it): a group event names many users, and folding
 * every group's stream for one of them is what those rows spare.
 */
async function membershipChangesOf(userId: string): Promise<UserMembershipChange[]> {
  let live: Awaited<ReturnType<typeof openReadModelAsItIs>> | null = null;
  try {
    // A replay only reads: it never creates or changes the read model's tables.
    live = await openReadModelAsItIs(loadConfig().readModel);
    return await userMembershipChanges(live, userId);
  } catch (failure) {
    // The user's own events are the event store's: they are still worth printing without the read model.
    complain(`membership changes not shown: the read model could not be read (${(failure as Error).message})`);
    return [];
  } finally {
    await live?.destroy();
  }
}

/** The changes a replay stopped by --until or --revision takes in: those that occurred by then (the last shown event, for a revision). */
function membershipsUpTo(changes: UserMembershipChange[], shown: RecordedEvent[], options: { until?: string; revision?: number }): UserMembershipChange[] {
  const limits: number[] = [];
  if (options.until !== undefined) limits.push(Date.parse(options.until));
  if (options.revision !== undefined) {
    const occurredAt = (shown.at(-1)?.metadata as { occurredAt?: string } | undefined)?.occurredAt;
    limits.push(occurredAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(occurredAt));
  }
  if (limits.length === 0) return changes;
  const limit = Math.min(...limits);
  return changes.filter((change) => Date.parse(change.occurredAt) <= limit);
}

/** Each user event and membership change with its summary, its attribute diff, and the state it led to. */
function replayUser(events: RecordedEvent[], memberships: UserMembershipChange[]): void {
  const { entries, state } = userHistory(events, memberships);
  for (const entry of entries) {
    const where = entry.streamId ? `${entry.streamId}#${entry.revision}` : `#${entry.revision}`;
    say(`${where} ${entry.occurredAt ?? '?'} ${entry.type} by ${entry.actor?.kind ?? '?'}:${entry.actor?.id ?? '?'}`);
    say(`    ${entry.summary}`);
    for (const change of entry.changes) say(`    ${change.attribute}: ${JSON.stringify(change.from)} -> ${JSON.stringify(change.to)}`);
  }
  say(`state: ${JSON.stringify(state)}`);
}

/** A tenant event as --json shows it: who, when, which request, its data (its global position is the store's). */
function tenantEntry(event: RecordedEvent) {
  const metadata = event.metadata as { occurredAt?: string; actor?: { kind: string; id: string }; requestId?: string };
  return {
    revision: event.revision,
    occurredAt: metadata.occurredAt ?? null,
    type: event.type,
    actor: metadata.actor ?? null,
    requestId: metadata.requestId ?? null,
    data: event.data,
  };
}

/** The tenant's state after these of its events (tokens and secrets as hashes only). */
function tenantStateAfter(events: RecordedEvent[]): TenantState {
  let state = tenantStream.initialState;
  for (const event of events) if (tenantStream.events.isEvent(event)) state = tenantStream.evolve(state, tenantStream.events.upcast(event));
  return state;
}

/** Each tenant event with its data and who sent it, then the tenant's state (tokens as hashes only). */
function replayTenant(events: RecordedEvent[]): void {
  for (const event of events) {
    const metadata = event.metadata as { occurredAt?: string; actor?: { kind: string; id: string }; requestId?: string };
    say(
      `#${event.revision} ${metadata.occurredAt ?? '?'} ${event.type} by ${metadata.actor?.kind ?? '?'}:${metadata.actor?.id ?? '?'} request ${metadata.requestId ?? '?'}`,
    );
    say(`    data: ${JSON.stringify(event.data)}`);
  }
  say(`state: ${JSON.stringify(tenantStateAfter(events))}`);
}

program
  .command('verify')
  .description('rebuild the read model from the events into a scratch database and report every difference from the live one (exit 1 if any)')
  .option('--json', 'print one JSON document: the events folded and every difference')
  .action(async (options: { json?: boolean }) => {
    const config = loadConfig();
    const scratch = mkdtempSync(join(tmpdir(), 'scim-ledger-verify-'));
    const eventStore = await openEventStore(config.eventStore, personalFieldsOf);
    const live = await openReadModel(config.readModel);
    const rebuilt = await openReadModel({ type: 'sqlite', file: join(scratch, 'rebuilt.sqlite') });
    try {
      const progress = commandProgressDisplay(process.stderr, Date.now, 'verify');
      const total = (await eventStore.approximateEventCount?.()) ?? null;
      const events = await rebuildReadModel(rebuilt, eventStore, undefined, (applied) =>
        progress.update({ phase: 'projecting', applied, total: total === null ? null : Math.max(total, applied) }),
      );
      progress.stop();
      // The read model, then rule L8 as the events hold it: every live address held by exactly one claim, its user's.
      const differences = [...(await readModelDifferences(live, rebuilt)), ...(await addressClaimDifferences(rebuilt, eventStore))];
      if (options.json) process.stdout.write(`${JSON.stringify({ events, differences })}\n`);
      else {
        for (const difference of differences) say(difference);
        say(`${events} events folded; ${differences.length} difference(s)`);
      }
      process.exitCode = differences.length === 0 ? 0 : 1;
    } finally {
      await Promise.all([eventStore.close(), live.destroy(), rebuilt.destroy()]);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

program
  .command('claim-addresses')
  .description(
    "one-off, safe to repeat: claims every live user's canonical address it does not hold (users from before claims or canonical addresses) and gives back claims under the older key",
  )
  .action(async () => {
    const config = loadConfig();
    const eventStore = await openEventStore(config.eventStore, personalFieldsOf);
    const live = await openReadModel(config.readModel);
    try {
      const report = await claimLiveAddresses(live, eventStore, new Date().toISOString());
      say(`${report.claimed} address(es) claimed, ${report.released} older claim(s) given back`);
      for (const shared of report.shared) complain(`shared by live users, rename one of them: ${shared}`);
      process.exitCode = report.shared.length === 0 ? 0 : 1;
    } finally {
      await Promise.all([eventStore.close(), live.destroy()]);
    }
  });

program
  .command('retry-projection-failures')
  .description('after a fix: apply again the streams the projector set aside (see verify); those that fail again stay set aside (exit 1)')
  .action(async () => {
    const config = loadConfig();
    const eventStore = await openEventStore(config.eventStore, personalFieldsOf);
    const live = await openReadModel(config.readModel);
    try {
      const projector = new ReadModelProjector(live, eventStore, {
        writeLock: config.readModel.type === 'sqlite' ? sqliteWriteLock(config.readModel.file) : undefined,
      });
      const { cleared, failing } = await projector.retryFailures();
      for (const streamId of cleared) say(`applied: ${streamId}`);
      for (const failure of failing) complain(`still failing: ${failure.streamId} at revision ${failure.revision}: ${failure.error}`);
      say(`${cleared.length} stream(s) applied, ${failing.length} still set aside`);
      process.exitCode = failing.length === 0 ? 0 : 1;
    } finally {
      await Promise.all([eventStore.close(), live.destroy()]);
    }
  });

program
  .command('rebuild')
  .description(
    'rebuild the read model from all events into fresh tables while the live ones keep serving, then switch over (blue/green); progress and ETA on stderr',
  )
  .action(async () => {
    const config = loadConfig();
    const eventStore = await openEventStore(config.eventStore, personalFieldsOf);
    const live = await openReadModel(config.readModel);
    const progress = commandProgressDisplay(process.stderr);
    try {
      const report = await rebuildBlueGreen(live, config.readModel, eventStore, {
        batchSize: config.projectorBatchSize,
        writeLock: config.readModel.type === 'sqlite' ? sqliteWriteLock(config.readModel.file) : undefined,
        onProgress: (step) => progress.update(step),
      });
      progress.stop();
      const { projecting, indexing, switching, finishing } = report.timings;
      say(
        `${report.events} events projected into fresh tables and switched over at ${report.checkpoint} ` +
          `(projecting ${projecting} ms, indexing ${indexing} ms, switch ${switching} ms in ${report.switchAttempts} attempt(s), after the switch ${finishing} ms)`,
      );
    } catch (error) {
      progress.stop();
      if (!(error instanceof RebuildRefusedError)) throw error;
      complain(error.message);
      process.exitCode = 1;
    } finally {
      await Promise.all([eventStore.close(), live.destroy()]);
    }
  });

program
  .command('export')
  .description("write a tenant's events, or one user's with its tenant's, to an NDJSON file (one event a line)")
  .requiredOption('--tenant <id>', 'the tenant')
  .option('--user <id>', 'only this user (and the tenant stream, for its mappings)')
  .requiredOption('--out <file>', 'the NDJSON file to write (never overwritten)')
  .option('--json', 'print one JSON document (the file and the events written) instead of a line')
  .action(async (options: { tenant: string; user?: string; out: string; json?: boolean }) => {
    if (existsSync(options.out)) program.error(`${options.out} exists: export never overwrites a file, choose another --out`);
    const eventStore = await openEventStore(loadConfig().eventStore, personalFieldsOf);
    try {
      const out = createWriteStream(options.out, { flags: 'wx' });
      await once(out, 'open');
      const progress = commandProgressDisplay(process.stderr, Date.now, 'export');
      let written = 0;
      try {
        for await (const event of exportedEvents(eventStore, { tenantId: options.tenant, userId: options.user })) {
          if (!out.write(`${JSON.stringify(event)}\n`)) await once(out, 'drain');
          written += 1;
          progress.update({ phase: 'writing', applied: written, total: null });
        }
        // A tenant id with no event is a typo or another instance's tenant, not an empty export (the attack on issue 20).
        if (written === 0) throw new Error(`no events for tenant ${options.tenant}`);
        progress.stop();
        await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      } catch (error) {
        progress.stop();
        // An unknown user or a store that failed midway leaves no half-written file behind to be mistaken for an export.
        out.destroy();
        rmSync(options.out, { force: true });
        throw error;
      }
      if (options.json) process.stdout.write(`${JSON.stringify({ file: options.out, events: written })}\n`);
      else say(`${written} event(s) written to ${options.out}`);
    } finally {
      await eventStore.close();
    }
  });

program
  .command('import')
  .description("load an NDJSON export into this instance's event store (e.g. the embedded default on a laptop); streams that exist already are refused")
  .requiredOption('--in <file>', 'the NDJSON file an export wrote')
  .action(async (options: { in: string }) => {
    const eventStore = await openEventStore(loadConfig().eventStore, personalFieldsOf);
    try {
      const lines = createInterface({ input: createReadStream(options.in), crlfDelay: Infinity });
      const events = (async function* () {
        for await (const line of lines) if (line.trim()) yield JSON.parse(line) as ExportedEvent;
      })();
      const progress = commandProgressDisplay(process.stderr, Date.now, 'import');
      const {
        streams,
        events: count,
        tenantIds,
      } = await importEvents(eventStore, events, (applied) => progress.update({ phase: 'appending', applied, total: null }));
      progress.stop();
      say(`${count} event(s) in ${streams} stream(s) imported; start the api to project them`);
      for (const tenantId of tenantIds) {
        const credential = await issueSupportCredential(eventStore, tenantId, `support case imported from ${basename(options.in)}`, new Date().toISOString());
        if (credential) {
          say(`admin API credential for tenant "${tenantId}" (shown once): client id ${credential.clientId}, secret ${credential.secret}`);
        }
      }
    } finally {
      await eventStore.close();
    }
  });

/** scim-ledger's version, from the package.json above this file (in the sources and in dist/). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'scim-ledger' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

Logger.overrideLogger(jsonLogs(process.env.LOG_LEVEL ?? 'info', 2));

program.parseAsync(process.argv).catch((error: unknown) => {
  complain((error as Error)?.message ?? String(error));
  process.exit(2);
});
