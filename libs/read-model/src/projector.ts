import { Logger } from '@nestjs/common';
import type { Mutex } from 'async-mutex';
import { EventEmitter } from 'node:events';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { DataSource, EntityManager } from 'typeorm';
import { comparePositions, EventStore, formatPosition, GlobalPosition, parsePosition, RecordedEvent, START_OF_ALL } from '@scim-ledger/event-store';
import { readyBatches } from './batches';
import type { ProjectionLock } from './projection-lock';
import { ProjectionCheckpointRow } from './checkpoints/projection-checkpoint.row';
import { isDeterministicFailure } from './failures/deterministic-failure';
import { ProjectionFailureRow } from './failures/projection-failure.row';
import type { Projection, ProjectedBatch } from './projection';
import { READ_MODEL_PROJECTIONS } from './projections';
import { insertRows, placeholders, quote, selectByIds } from './sql/bulk-rows';
import { projectorBatchDuration, projectorBatchSize } from './projector-metrics';
import { tenantOfEvent, tenantsDeletedBy } from './tenants/deleted-tenants';
import { DeletedTenantRow } from './tenants/tenant.rows';

export const READ_MODEL_PROJECTION = 'read-model';

export { REDACTED_AUDIT_DATA } from './audit/audit-trail.projection';
export { writeUserRows } from './users/users-table.projection';

export interface ProjectorOptions {
  /** Serialises writers on one SQLite file within this process (see sqliteWriteLock). */
  readonly writeLock?: Mutex;
  readonly batchSize?: number;
  /** Pause before resubscribing after the store or database failed. */
  readonly retryDelayMs?: number;
  /** Told of every event set aside (ProjectionFailureRow), e.g. to count it. */
  readonly onSetAside?: (failure: ProjectionFailureRow) => void;
  /**
   * Held while `run` projects, when other processes may project into the same
   * read model (several api instances): without it, run projects at once.
   */
  readonly lock?: ProjectionLock;
  /** What each batch is projected into, in order; the read model's own unless a test says otherwise. */
  readonly projections?: readonly Projection[];
}

/**
 * Applies all events, in global order, to every registered projection
 * (READ_MODEL_PROJECTIONS). Rows and checkpoint commit in one transaction, and events at or before the
 * checkpoint (or below a row's revision) are skipped: redelivery is harmless.
 */
export class ReadModelProjector {
  private readonly logger = new Logger(ReadModelProjector.name);
  private readonly advanced = new EventEmitter().setMaxListeners(0);
  /** Set while a projection from the start of all runs without the secondary indexes (see dropIndexesIfEmpty). */
  private droppedIndexes: readonly SecondaryIndex[] | null = null;
  private readonly projections: readonly Projection[];

  constructor(
    private readonly dataSource: DataSource,
    private readonly eventStore: EventStore,
    private readonly options: ProjectorOptions = {},
  ) {
    this.projections = options.projections ?? READ_MODEL_PROJECTIONS;
  }

  /**
   * Follows the store until the signal aborts; survives store or database
   * outages, and resubscribes at once when the stored checkpoint is not the
   * one it last committed (a rebuild switched the tables underneath).
   */
  async run(signal: AbortSignal): Promise<void> {
    const lock = this.options.lock;
    if (!lock) return this.follow(signal);
    while (!signal.aborted) {
      const held = await lock.acquire(signal);
      if (!held) break;
      this.logger.log(`holds the projection lock (${lock.holder}): projecting`);
      try {
        await this.follow(AbortSignal.any([signal, held]));
      } finally {
        await lock.release();
      }
      if (!signal.aborted) this.logger.warn('lost the projection lock: waiting to take it again, read-your-writes follows the shared checkpoint meanwhile');
    }
  }

  /** The projection proper: until the signal aborts, whatever fails. */
  private async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const after = await this.checkpoint();
        await this.dropIndexesIfEmpty(after);
        let expected = after;
        // Its own signal: leaving the loop on an error waits for the subscription to
        // end, and one idle between appends would otherwise end only on the next one.
        const feed = new AbortController();
        const events = this.eventStore.subscribeToAll({ after, signal: AbortSignal.any([signal, feed.signal]) });
        for await (const batch of readyBatches(events, this.options.batchSize ?? 5000)) {
          try {
            expected = (await this.apply(batch, expected)) ?? expected;
            if (this.droppedIndexes && (await this.caughtUp())) await this.restoreIndexes();
          } catch (error) {
            feed.abort();
            throw error;
          }
          // With SQLite a catch-up never leaves the microtask queue: let the
          // api's requests and timers run between batches.
          await nextTurn();
        }
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof CheckpointMovedError) {
          this.logger.log(error.message);
          // Writes waiting for read-your-writes may already be covered by the new tables.
          this.advanced.emit('advanced', error.stored);
          continue;
        }
        this.logger.error(`projection stopped, resubscribing: ${(error as Error).message}`);
        await sleep(this.options.retryDelayMs ?? 500, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Applies everything appended so far, then returns: for tests, rebuilds and the CLI (told the count after each page). */
  async catchUp(onApplied: (applied: number) => void = () => undefined): Promise<number> {
    let applied = 0;
    await this.dropIndexesIfEmpty(await this.checkpoint());
    for (;;) {
      const page = await this.eventStore.readAll({ after: await this.checkpoint(), maxCount: this.options.batchSize ?? 5000 });
      if (page.length === 0) {
        await this.restoreIndexes();
        return applied;
      }
      await this.apply(page);
      applied += page.length;
      onApplied(applied);
    }
  }

  /**
   * A projection from the start of all (a new or rebuilt read model) inserts
   * every user and audit entry once, in random key order: each secondary
   * index then costs a random B-tree insert per row. Dropping them and
   * building them once when caught up (a sorted build) halved a rebuild
   * (bench/README.md). Unique indexes stay: they guard redelivery. Should the
   * projector stop before it catches up, TypeORM's synchronize at the next
   * start creates the missing indexes.
   */
  private async dropIndexesIfEmpty(after: GlobalPosition): Promise<void> {
    if (this.droppedIndexes || comparePositions(after, START_OF_ALL) !== 0) return;
    const indexes = secondaryIndexes(this.dataSource, this.projections);
    await this.exclusive(async () => {
      for (const index of indexes) await this.dataSource.query(`DROP INDEX IF EXISTS ${quote(index.name)}`);
    });
    this.droppedIndexes = indexes;
  }

  private async restoreIndexes(): Promise<void> {
    const indexes = this.droppedIndexes;
    if (!indexes) return;
    await this.exclusive(async () => {
      for (const index of indexes) await this.dataSource.query(index.create);
    });
    this.droppedIndexes = null;
    this.logger.log(`caught up from the start of all; ${indexes.length} indexes built`);
  }

  private async caughtUp(): Promise<boolean> {
    return (await this.eventStore.readAll({ after: await this.checkpoint(), maxCount: 1 })).length === 0;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.options.writeLock ? this.options.writeLock.runExclusive(work) : work();
  }

  async checkpoint(manager: EntityManager = this.dataSource.manager): Promise<GlobalPosition> {
    // Plain SQL: read-your-writes asks for it on every write, and the query builder cost more than the query.
    const rows: { position: string }[] = await manager.query(
      `SELECT position FROM ${quote(manager.connection.getMetadata(ProjectionCheckpointRow).tableName)} WHERE name = ${placeholders(manager, 1, 1)}`,
      [READ_MODEL_PROJECTION],
    );
    return rows[0] ? parsePosition(rows[0].position) : START_OF_ALL;
  }

  /** Calls back with the checkpoint after every committed batch. */
  onAdvanced(listener: (position: GlobalPosition) => void): () => void {
    this.advanced.on('advanced', listener);
    return () => this.advanced.off('advanced', listener);
  }

  /**
   * Applies the events not yet applied and returns the new checkpoint (null if
   * none was new). With `expected`, refuses (CheckpointMovedError, nothing
   * written) when the stored checkpoint is not that one: the events were read
   * after a checkpoint this read model no longer has, and a gap would go unseen.
   */
  async apply(events: readonly RecordedEvent[], expected?: GlobalPosition): Promise<GlobalPosition | null> {
    if (events.length === 0) return null;
    let position: GlobalPosition | null;
    const timer = projectorBatchDuration.startTimer();
    try {
      position = await this.exclusive(() => this.dataSource.transaction((manager) => this.applyIn(manager, events, expected)));
    } catch (error) {
      if (!isDeterministicFailure(error)) {
        timer({ outcome: 'failed' });
        throw error;
      }
      // One event of the batch cannot be applied: find it by applying the batch one event at a time.
      position = await this.applyOneByOne(events, expected);
    }
    timer({ outcome: 'applied' });
    projectorBatchSize.observe(events.length);
    if (position) this.advanced.emit('advanced', position);
    return position;
  }

  /**
   * Applies each event in its own transaction. One that fails deterministically
   * is set aside with its error (projection_failures, a log line with its
   * stream and position, onSetAside) in a transaction that also moves the
   * checkpoint past it: its stream's later events wait behind it, every other
   * stream goes on (issue 15, finding 1).
   */
  private async applyOneByOne(events: readonly RecordedEvent[], expected?: GlobalPosition): Promise<GlobalPosition | null> {
    let position: GlobalPosition | null = null;
    for (const event of events) {
      const after: GlobalPosition | undefined = position ?? expected;
      try {
        position = (await this.exclusive(() => this.dataSource.transaction((manager) => this.applyIn(manager, [event], after)))) ?? position;
      } catch (error) {
        if (!isDeterministicFailure(error)) throw error;
        position = await this.exclusive(() => this.dataSource.transaction((manager) => this.setAside(manager, event, error as Error, after)));
      }
    }
    return position;
  }

  private async setAside(manager: EntityManager, event: RecordedEvent, error: Error, expected?: GlobalPosition): Promise<GlobalPosition> {
    await lockForWriting(manager);
    const checkpoint = await this.checkpoint(manager);
    if (expected && comparePositions(checkpoint, expected) !== 0) throw new CheckpointMovedError(expected, checkpoint);
    const failure: ProjectionFailureRow = {
      streamId: event.streamId,
      revision: event.revision,
      position: formatPosition(event.position),
      eventId: event.id,
      eventType: event.type,
      error: error.message.slice(0, 2000),
      failedAt: new Date().toISOString(),
      heldEvents: 0,
    };
    await insertRows(manager, ProjectionFailureRow, [failure], 'ignore-duplicates');
    await this.moveCheckpoint(manager, event.position);
    this.logger.error(`set aside ${event.type} of ${event.streamId} at revision ${event.revision}, position ${failure.position}: ${failure.error}`);
    this.options.onSetAside?.(failure);
    return event.position;
  }

  private moveCheckpoint(manager: EntityManager, position: GlobalPosition): Promise<void> {
    return insertRows(
      manager,
      ProjectionCheckpointRow,
      [{ name: READ_MODEL_PROJECTION, position: formatPosition(position), updatedAt: new Date().toISOString() }],
      'upsert',
    );
  }

  /**
   * Retries every stream set aside, after a code fix: its events from the one
   * that failed are applied in order, without moving the checkpoint (they lie
   * behind it). A stream that fails again stays set aside, with the new error.
   * Returns the streams cleared and those still failing.
   */
  async retryFailures(): Promise<{ cleared: string[]; failing: ProjectionFailureRow[] }> {
    const cleared: string[] = [];
    const failing: ProjectionFailureRow[] = [];
    const failures = await this.dataSource.getRepository(ProjectionFailureRow).find();
    // Positions are text ("commit/prepare"): ordered as positions, not as strings, so streams are retried in the order they failed.
    failures.sort((a, b) => comparePositions(parsePosition(a.position), parsePosition(b.position)));
    for (const failure of failures) {
      const events = await this.eventStore.readStream(failure.streamId, { fromRevision: failure.revision });
      try {
        await this.exclusive(() =>
          this.dataSource.transaction(async (manager) => {
            await lockForWriting(manager);
            const checkpoint = await this.checkpoint(manager);
            const behind = events.filter((event) => comparePositions(event.position, checkpoint) <= 0);
            await manager.delete(ProjectionFailureRow, { streamId: failure.streamId });
            await this.project(manager, behind);
          }),
        );
        cleared.push(failure.streamId);
      } catch (error) {
        if (!isDeterministicFailure(error)) throw error;
        await this.dataSource.getRepository(ProjectionFailureRow).update({ streamId: failure.streamId }, { error: (error as Error).message.slice(0, 2000) });
        failing.push({ ...failure, error: (error as Error).message });
      }
    }
    return { cleared, failing };
  }

  private async applyIn(manager: EntityManager, events: readonly RecordedEvent[], expected?: GlobalPosition): Promise<GlobalPosition | null> {
    await lockForWriting(manager);
    const checkpoint = await this.checkpoint(manager);
    if (expected && comparePositions(checkpoint, expected) !== 0) throw new CheckpointMovedError(expected, checkpoint);
    const fresh = events.filter((event) => comparePositions(event.position, checkpoint) > 0);
    if (fresh.length === 0) return null;
    await this.project(manager, await this.withoutHeld(manager, fresh));
    const last = fresh[fresh.length - 1].position;
    await this.moveCheckpoint(manager, last);
    return last;
  }

  /** The events whose stream is not set aside; those of a set-aside stream are counted as waiting behind it. */
  private async withoutHeld(manager: EntityManager, events: readonly RecordedEvent[]): Promise<readonly RecordedEvent[]> {
    const failures = manager.connection.getMetadata(ProjectionFailureRow).tableName;
    const held: { streamId: string }[] = await manager.query(`SELECT ${quote('streamId')} FROM ${quote(failures)}`);
    if (held.length === 0) return events;
    const setAside = new Set(held.map((row) => row.streamId));
    const waiting = new Map<string, number>();
    for (const event of events) if (setAside.has(event.streamId)) waiting.set(event.streamId, (waiting.get(event.streamId) ?? 0) + 1);
    for (const [streamId, count] of waiting) {
      await manager.increment(ProjectionFailureRow, { streamId }, 'heldEvents', count);
    }
    return waiting.size === 0 ? events : events.filter((event) => !setAside.has(event.streamId));
  }

  /** Applies events to the users, tenants and audit tables, in order; the caller owns the checkpoint. */
  private async project(manager: EntityManager, fresh: readonly RecordedEvent[]): Promise<void> {
    if (fresh.length === 0) return;
    // Tenants deleted before this batch or within it: which of their events it applies first does not matter.
    const deletions = tenantsDeletedBy(fresh);
    const tenantIds = [...new Set(fresh.map(tenantOfEvent).filter((id): id is string => id !== null))];
    const deletedTenants = new Set([
      ...(await selectByIds(manager, DeletedTenantRow, tenantIds)).map((row) => row.tenantId),
      ...deletions.map((deletion) => deletion.tenantId),
    ]);
    const batch: ProjectedBatch = { events: fresh, deletedTenants, deletions, userRows: new Map() };
    for (const projection of this.projections) await projection.project(manager, batch);
  }
}

/** Takes the write locks a batch needs before it reads the checkpoint: the file's on SQLite, the checkpoint row's on PostgreSQL. */
async function lockForWriting(manager: EntityManager): Promise<void> {
  if (manager.connection.options.type === 'better-sqlite3') {
    // Takes the file's write lock before the first read, as BEGIN IMMEDIATE would: a transaction that read
    // first fails at once (SQLITE_BUSY, no busy wait) once another process wrote past its snapshot: a
    // rebuild's CLI beside the api, or the api's appends beside an external projector.
    await manager.query(`UPDATE ${quote(manager.connection.getMetadata(ProjectionCheckpointRow).tableName)} SET name = name WHERE 0 = 1`);
  } else {
    await lockCheckpointRow(manager);
  }
}

/**
 * PostgreSQL: holds the checkpoint row until the batch commits, so a second
 * projector on this read model (the lock's holder changing hands while the
 * old one finishes a batch) reads the checkpoint only after this batch and
 * skips what it applied, instead of applying the same events beside it
 * (duplicate keys) or moving the checkpoint back. One statement: it inserts
 * the start of all if the row is missing (a lock on a row that does not exist
 * would hold nothing), else updates nothing but takes the row's lock.
 */
async function lockCheckpointRow(manager: EntityManager): Promise<void> {
  const metadata = manager.connection.getMetadata(ProjectionCheckpointRow);
  const [name, position, updatedAt] = (['name', 'position', 'updatedAt'] as const).map((property) =>
    quote(metadata.findColumnWithPropertyName(property)!.databaseName),
  );
  await manager.query(
    `INSERT INTO ${quote(metadata.tableName)} (${name}, ${position}, ${updatedAt}) VALUES ($1, $2, $3) ON CONFLICT (${name}) DO UPDATE SET ${name} = excluded.${name}`,
    [READ_MODEL_PROJECTION, formatPosition(START_OF_ALL), new Date().toISOString()],
  );
}

/** The stored checkpoint is not the one the projector last committed: a rebuild switched the tables. */
export class CheckpointMovedError extends Error {
  override readonly name = 'CheckpointMovedError';
  constructor(
    readonly expected: GlobalPosition,
    readonly stored: GlobalPosition,
  ) {
    super(`the read model's checkpoint moved from ${formatPosition(expected)} to ${formatPosition(stored)} (rebuilt); resubscribing from there`);
  }
}

interface SecondaryIndex {
  readonly name: string;
  readonly create: string;
}

/** The plain (non-unique, unconditional) indexes of every projection's tables, as CREATE INDEX statements. */
function secondaryIndexes(dataSource: DataSource, projections: readonly Projection[]): SecondaryIndex[] {
  return projections
    .flatMap((projection) => projection.tables)
    .flatMap(({ entity }) => {
      const metadata = dataSource.getMetadata(entity);
      return metadata.indices
        .filter((index) => !index.isUnique && !index.where && !index.isSpatial && !index.isFulltext && index.name)
        .map((index) => ({
          name: index.name,
          create: `CREATE INDEX IF NOT EXISTS ${quote(index.name)} ON ${quote(metadata.tableName)} (${index.columns.map((c) => quote(c.databaseName)).join(', ')})`,
        }));
    });
}
