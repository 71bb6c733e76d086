import { Logger } from '@nestjs/common';
import type { Mutex } from 'async-mutex';
import { EventEmitter } from 'node:events';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { DataSource, EntityManager, EntityMetadata, In, Not, ObjectLiteral } from 'typeorm';
import { userIdOfStream, userStreamId } from '@scim-ledger/domain';
import {
  comparePositions,
  EventStore,
  formatPosition,
  GlobalPosition,
  parsePosition,
  RecordedEvent,
  START_OF_ALL,
} from '@scim-ledger/event-store';
import { AuditEntryRow } from './audit/audit-entry.row';
import { auditEntryFor } from './audit/audit-entry.projection';
import { readyBatches } from './batches';
import type { ProjectionLock } from './projection-lock';
import { ProjectionCheckpointRow } from './checkpoints/projection-checkpoint.row';
import { isDeterministicFailure } from './failures/deterministic-failure';
import { ProjectionFailureRow } from './failures/projection-failure.row';
import { ScimUserRow } from './users/scim-user.row';
import { keepsAuditEntry, tenantOfEvent, tenantsDeletedBy, TRAIL_OF_A_DELETED_TENANT, USER_COLUMNS_WITHOUT_A_PERSON, withoutPersonalData } from './tenants/deleted-tenants';
import { DeletedTenantRow } from './tenants/tenant.rows';
import { projectTenantEvent } from './tenants/tenants.projection';
import { projectUserEvent } from './users/users.projection';

export const READ_MODEL_PROJECTION = 'read-model';

/** What a deleted user's audit entries say instead of the data their events carried. */
export const REDACTED_AUDIT_DATA = JSON.stringify({ redacted: 'the user was deleted for good (rule L10)' });

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
}

/**
 * Applies all events, in global order, to the users table and the audit trail.
 * Rows and checkpoint commit in one transaction, and events at or before the
 * checkpoint (or below a row's revision) are skipped: redelivery is harmless.
 */
export class ReadModelProjector {
  private readonly logger = new Logger(ReadModelProjector.name);
  private readonly advanced = new EventEmitter().setMaxListeners(0);
  /** Set while a projection from the start of all runs without the secondary indexes (see dropIndexesIfEmpty). */
  private droppedIndexes: readonly SecondaryIndex[] | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly eventStore: EventStore,
    private readonly options: ProjectorOptions = {},
  ) {}

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

  /** Applies everything appended so far, then returns: for tests, rebuilds and the CLI. */
  async catchUp(): Promise<number> {
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
    const indexes = secondaryIndexes(this.dataSource);
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
    try {
      position = await this.exclusive(() => this.dataSource.transaction((manager) => this.applyIn(manager, events, expected)));
    } catch (error) {
      if (!isDeterministicFailure(error)) throw error;
      // One event of the batch cannot be applied: find it by applying the batch one event at a time.
      position = await this.applyOneByOne(events, expected);
    }
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

    const userIds = [...new Set(fresh.map((e) => userIdOfStream(e.streamId)).filter((id): id is string => id !== null))];
    const rows = new Map<string, ScimUserRow | null>();
    for (const row of await selectByIds(manager, ScimUserRow, userIds)) rows.set(row.id, row);
    const changed = new Set<string>();
    for (const event of fresh) {
      const userId = userIdOfStream(event.streamId);
      if (userId === null) continue;
      const before = rows.get(userId) ?? null;
      const projected = projectUserEvent(before, event);
      // A create that had read the tenant just before its deletion still lands; the deletion finds it by id.
      const after = projected && projected !== before && deletedTenants.has(projected.tenantId) ? withoutPersonalData(projected) : projected;
      if (after !== before) {
        rows.set(userId, after);
        changed.add(userId);
      }
    }
    const saved = [...changed].map((id) => rows.get(id)).filter((row): row is ScimUserRow => !!row);
    const removed = [...changed].filter((id) => !rows.get(id));
    await writeUserRows(manager, saved);
    await deleteByIds(manager, ScimUserRow, removed);
    for (const event of fresh) await projectTenantEvent(manager, event);
    const entries = fresh
      .filter((event) => keepsAuditEntry(event, deletedTenants))
      .map(auditEntryFor)
      .filter((entry) => entry !== null);
    // Rule L10: a user deleted for good leaves no readable personal data here; its entries keep who, when and what,
    // also those recorded after its deletion (the refusal of a PATCH its IdP still sent), whichever batch holds them.
    const deletedForGood = new Set(fresh.filter((e) => e.type === 'UserDeletedPermanently').map((e) => userIdOfStream(e.streamId)).filter((id) => id !== null));
    const rowless = new Set(entries.map((entry) => entry.userId).filter((id): id is string => id !== null && !rows.get(id) && !deletedForGood.has(id)));
    const deletedBefore = await usersDeletedForGood(manager, [...rowless]);
    const redacted = entries.map((entry) => (entry.userId !== null && deletedBefore.has(entry.userId) ? { ...entry, data: REDACTED_AUDIT_DATA } : entry));
    await insertRows(manager, AuditEntryRow, redacted, 'ignore-duplicates');
    if (deletedForGood.size > 0) await manager.update(AuditEntryRow, { userId: In([...deletedForGood]) }, { data: REDACTED_AUDIT_DATA });
    // A deleted tenant's trail keeps only the deletions themselves: what was deleted, when, by whom. What earlier
    // batches stored goes here; this batch's and later ones' events of the tenant were filtered above.
    for (const { tenantId } of deletions) {
      await manager.delete(AuditEntryRow, { tenantId, eventType: Not(In([...TRAIL_OF_A_DELETED_TENANT])) });
      await manager.update(ScimUserRow, { tenantId }, USER_COLUMNS_WITHOUT_A_PERSON);
    }
    await insertRows(manager, DeletedTenantRow, deletions, 'ignore-duplicates');
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
  const [name, position, updatedAt] = (['name', 'position', 'updatedAt'] as const).map((property) => quote(metadata.findColumnWithPropertyName(property)!.databaseName));
  await manager.query(
    `INSERT INTO ${quote(metadata.tableName)} (${name}, ${position}, ${updatedAt}) VALUES ($1, $2, $3) ON CONFLICT (${name}) DO UPDATE SET ${name} = excluded.${name}`,
    [READ_MODEL_PROJECTION, formatPosition(START_OF_ALL), new Date().toISOString()],
  );
}

/**
 * Inserts or replaces users' rows, each only over a row of an earlier stream
 * revision: a writer that folded a stream before another committed a later
 * revision of it never writes its older state back (a stale read after a 2xx).
 */
export async function writeUserRows(manager: EntityManager, rows: readonly ScimUserRow[]): Promise<void> {
  await insertRows(manager, ScimUserRow, rows, 'upsert-newer-revision');
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

/*
 * The projector's statements, written out rather than built by TypeORM's
 * query builder and save(), which spent more time in JavaScript than SQLite
 * or PostgreSQL spent running them (bench/README.md). Columns and value
 * conversions still come from the entities' metadata, so a new column needs
 * no change here.
 */

interface SecondaryIndex {
  readonly name: string;
  readonly create: string;
}

/** The users' and audit trail's plain (non-unique, unconditional) indexes, as CREATE INDEX statements. */
function secondaryIndexes(dataSource: DataSource): SecondaryIndex[] {
  return [ScimUserRow, AuditEntryRow].flatMap((entity) => {
    const metadata = dataSource.getMetadata(entity);
    return metadata.indices
      .filter((index) => !index.isUnique && !index.where && !index.isSpatial && !index.isFulltext && index.name)
      .map((index) => ({
        name: index.name,
        create: `CREATE INDEX IF NOT EXISTS ${quote(index.name)} ON ${quote(metadata.tableName)} (${index.columns.map((c) => quote(c.databaseName)).join(', ')})`,
      }));
  });
}

/** SQLite allows 32,766 bound values per statement, PostgreSQL 65,535. */
const MAX_BOUND_VALUES = 30_000;

/**
 * Splits `count` rows into statements of power-of-two sizes up to `max`, so
 * only a dozen statement texts exist per table: the driver caches a prepared
 * statement per text, and one per batch size held gigabytes during a rebuild.
 */
export function statementSizes(count: number, max: number): number[] {
  let largest = 1;
  while (largest * 2 <= max) largest *= 2;
  const sizes: number[] = [];
  for (let left = count; left > 0; ) {
    let size = largest;
    while (size > left) size /= 2;
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/** Consecutive slices of `items` of the given sizes. */
function slices<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  let start = 0;
  return sizes.map((size) => items.slice(start, (start += size)));
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `count` placeholders from the `first`th on: ?, ?, … on SQLite, $n on PostgreSQL. */
function placeholders(manager: EntityManager, first: number, count: number): string {
  const postgres = manager.connection.options.type === 'postgres';
  return Array.from({ length: count }, (_, i) => (postgres ? `$${first + i}` : '?')).join(', ');
}

/** Columns written on insert: all but database-generated ones (the audit trail's id). */
function writtenColumns(metadata: EntityMetadata) {
  return metadata.columns.filter((column) => !column.isGenerated);
}

async function selectByIds<T extends ObjectLiteral>(manager: EntityManager, entity: new () => T, ids: readonly string[]): Promise<T[]> {
  if (ids.length === 0) return [];
  const metadata = manager.connection.getMetadata(entity);
  const driver = manager.connection.driver;
  const [primary] = metadata.primaryColumns;
  const found: T[] = [];
  for (const chunk of slices(ids, statementSizes(ids.length, 1024))) {
    const raw: Record<string, unknown>[] = await manager.query(
      `SELECT * FROM ${quote(metadata.tableName)} WHERE ${quote(primary.databaseName)} IN (${placeholders(manager, 1, chunk.length)})`,
      chunk,
    );
    for (const record of raw) {
      const row = {} as T;
      for (const column of metadata.columns) {
        (row as Record<string, unknown>)[column.propertyName] = driver.prepareHydratedValue(record[column.databaseName], column);
      }
      found.push(row);
    }
  }
  return found;
}

/** Which of these users were deleted for good: their UserDeletedPermanently is in the trail (kept for every deletion). */
async function usersDeletedForGood(manager: EntityManager, userIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (userIds.length === 0) return found;
  const metadata = manager.connection.getMetadata(AuditEntryRow);
  const column = (property: string) => quote(metadata.findColumnWithPropertyName(property)!.databaseName);
  // By stream: the unique (stream, revision) index answers it, also while a rebuild runs without the others.
  for (const chunk of slices(userIds, statementSizes(userIds.length, 1024))) {
    const rows: { streamId: string }[] = await manager.query(
      `SELECT ${column('streamId')} AS "streamId" FROM ${quote(metadata.tableName)} WHERE ${column('eventType')} = ${placeholders(manager, 1, 1)} AND ${column('streamId')} IN (${placeholders(manager, 2, chunk.length)})`,
      ['UserDeletedPermanently', ...chunk.map(userStreamId)],
    );
    for (const row of rows) {
      const userId = userIdOfStream(row.streamId);
      if (userId !== null) found.add(userId);
    }
  }
  return found;
}

async function deleteByIds(manager: EntityManager, entity: new () => object, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const metadata = manager.connection.getMetadata(entity);
  const [primary] = metadata.primaryColumns;
  for (const chunk of slices(ids, statementSizes(ids.length, 1024))) {
    await manager.query(
      `DELETE FROM ${quote(metadata.tableName)} WHERE ${quote(primary.databaseName)} IN (${placeholders(manager, 1, chunk.length)})`,
      chunk,
    );
  }
}

/**
 * Multi-row INSERT: 'upsert' replaces the row with the same primary key,
 * 'upsert-newer-revision' only if the new row comes from a later stream
 * revision (never older state over newer, whoever wrote it), and
 * 'ignore-duplicates' keeps the one already there (a redelivered audit entry).
 */
type OnConflict = 'upsert' | 'upsert-newer-revision' | 'ignore-duplicates';

async function insertRows<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: new () => T,
  rows: readonly Partial<T>[],
  onConflict: OnConflict,
): Promise<void> {
  if (rows.length === 0) return;
  const metadata = manager.connection.getMetadata(entity);
  const driver = manager.connection.driver;
  const columns = writtenColumns(metadata);
  const perStatement = Math.max(1, Math.floor(MAX_BOUND_VALUES / columns.length));
  for (const chunk of slices(rows, statementSizes(rows.length, perStatement))) {
    const values = new Array<unknown>(chunk.length * columns.length);
    let i = 0;
    for (const row of chunk) {
      for (const column of columns) values[i++] = driver.preparePersistentValue(column.getEntityValue(row), column);
    }
    await manager.query(insertStatement(manager, metadata, chunk.length, onConflict), values);
  }
}

/** The statement text for `count` rows, built once per table, size and dialect: a rebuild reuses a few. */
const insertStatements = new WeakMap<EntityMetadata, Map<string, string>>();

function insertStatement(manager: EntityManager, metadata: EntityMetadata, count: number, onConflict: OnConflict): string {
  const key = `${manager.connection.options.type} ${onConflict} ${count}`;
  let cached = insertStatements.get(metadata);
  if (!cached) insertStatements.set(metadata, (cached = new Map()));
  const known = cached.get(key);
  if (known) return known;
  const columns = writtenColumns(metadata);
  const names = columns.map((column) => quote(column.databaseName));
  const keys = metadata.primaryColumns.map((column) => quote(column.databaseName));
  const update = `ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${names.filter((n) => !keys.includes(n)).map((n) => `${n} = excluded.${n}`).join(', ')}`;
  const revision = quote(metadata.findColumnWithPropertyName('revision')?.databaseName ?? 'revision');
  const conflict =
    onConflict === 'upsert'
      ? update
      : onConflict === 'upsert-newer-revision'
        ? `${update} WHERE excluded.${revision} > ${quote(metadata.tableName)}.${revision}`
        : 'ON CONFLICT DO NOTHING';
  const tuples = Array.from({ length: count }, (_, i) => `(${placeholders(manager, 1 + i * columns.length, columns.length)})`).join(', ');
  const statement = `INSERT INTO ${quote(metadata.tableName)} (${names.join(', ')}) VALUES ${tuples} ${conflict}`;
  cached.set(key, statement);
  return statement;
}
