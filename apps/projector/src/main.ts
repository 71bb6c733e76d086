import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { personalFieldsOf } from '@scim-ledger/domain';
import { openEventStore, sqliteWriteLock } from '@scim-ledger/event-store';
import { countSetAside, openReadModel, projectionLockFor, ReadModelProjector } from '@scim-ledger/read-model';
import { jsonLogs, loadConfig, startUpFailureLine } from '@scim-ledger/platform';

/**
 * The projection worker as its own process (PROJECTOR=external on the api).
 * Same configuration as the api; stops cleanly on SIGINT/SIGTERM, and a hard
 * kill loses nothing: rows and checkpoint commit together.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  Logger.overrideLogger(jsonLogs(config.logLevel, 1));
  const logger = new Logger('Projector');
  const eventStore = await openEventStore(config.eventStore, personalFieldsOf);
  const dataSource = await openReadModel(config.readModel);
  const writeLock = config.readModel.type === 'sqlite' ? sqliteWriteLock(config.readModel.file) : undefined;
  const projector = new ReadModelProjector(dataSource, eventStore, {
    writeLock,
    batchSize: config.projectorBatchSize,
    onSetAside: countSetAside,
    // Several projector processes (or api instances) on one read model: one projects, the others stand by.
    lock: projectionLockFor(config.readModel, dataSource, { writeLock, timings: config.projectorLock }),
  });
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  logger.log(`projecting ${eventStore.backend} events into the ${config.readModel.type} read model`);
  await projector.run(stop.signal);
  await eventStore.close();
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`${startUpFailureLine('scim-ledger projector', error)}\n`);
  process.exit(1);
});
