import type { Mutex } from 'async-mutex';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, EntityMetadata } from 'typeorm';
import { comparePositions, EventStore, formatPosition, GlobalPosition, parsePosition, START_OF_ALL } from '@scim-ledger/event-store';
import { ProjectionCheckpointRow } from '../checkpoints/projection-checkpoint.row';
import { READ_MODEL_PROJECTION, ReadModelProjector } from '../projector';
import { READ_MODEL_ENTITIES, ReadModelDatabase, readModelDataSource } from '../read-model.data-source';

/** The fresh tables a rebuild writes into, beside the live ones (shared/STYLE.md point 10). */
export const REBUILD_PREFIX = 'rebuild_';
/** The live tables once switched out, until dropped (SQLite only: PostgreSQL drops them in the switch). */
const RETIRED_PREFIX = 'retired_';
/** One row: which rebuild runs and when it last said so. Not an entity: synchronize leaves it alone. */
const CLAIM_TABLE = 'read_model_rebuild_claim';
const HEARTBEAT_MS = 5_000;
/** A claim not renewed for this long belongs to a rebuild that died: the next one takes over. */
export const CLAIM_STALE_AFTER_MS = 60_000;
/** The claim table's second row: the rebuild that holds the claim (row 1) is switching over. */
const SWITCH_MARK = 2;
/** Writes keep coming; each attempt catches up first, so the gap a retry must close is a few events. */
const MAX_SWITCH_ATTEMPTS = 50;

export interface RebuildProgress {
  readonly phase: 'projecting' | 'indexing' | 'switching' | 'finishing';
  readonly applied: number;
  /** About how many events there are in all; null when the store cannot say cheaply. */
  readonly total: number | null;
}

export interface BlueGreenRebuildOptions {
  readonly batchSize?: number;
  /** Serialises writers on one SQLite file within this process (see sqliteWriteLock). */
  readonly writeLock?: Mutex;
  /** Awaited: the rebuild goes on when it returns. */
  readonly onProgress?: (progress: RebuildProgress) => void | Promise<void>;
}

export interface BlueGreenRebuildReport {
  readonly events: number;
  readonly checkpoint: string;
  readonly switchAttempts: number;
  /** Milliseconds each phase took: projecting into the fresh tables, indexing them, the switch transaction, and what follows it. */
  readonly timings: { readonly projecting: number; readonly indexing: number; readonly switching: number; readonly finishing: number };
}

export class RebuildRefusedError extends Error {
  override readonly name = 'RebuildRefusedError';
}

/**
 * Rebuilds the read model from all events into fresh `rebuild_` tables on the
 * same database while the live tables keep serving, then switches over in one
 * transaction when caught up (blue/green, shared/STYLE.md point 10). The live
 * projector sees the checkpoint move and resubscribes from it.
 *
 * Afterwards the schema is exactly what a fresh start creates (TypeORM's
 * synchronize has nothing to do): on PostgreSQL indexes, constraints and the
 * sequence are renamed in the switch; SQLite cannot rename an index, so the
 * indexes are built under their final names right after the switch, one
 * statement each (the live tables answer without them meanwhile).
 */
export async function rebuildBlueGreen(
  live: DataSource,
  database: ReadModelDatabase,
  eventStore: EventStore,
  options: BlueGreenRebuildOptions = {},
): Promise<BlueGreenRebuildReport> {
  const owner = randomUUID();
  const sql = new Statements(live, options.writeLock);
  await claim(sql, owner);
  const heartbeat = setInterval(
    () =>
      void sql
        .write(`UPDATE ${q(CLAIM_TABLE)} SET heartbeat_at = ${sql.p(1)} WHERE id = 1 AND owner = ${sql.p(2)}`, [new Date().toISOString(), owner])
        .catch(() => undefined),
    HEARTBEAT_MS,
  );
  heartbeat.unref();
  let target: DataSource | null = null;
  try {
    const tables = liveTables(live);
    for (const table of tables) await sql.write(`DROP TABLE IF EXISTS ${q(REBUILD_PREFIX + table)}`);
    // A switch that committed but stopped before its indexes (SQLite) is finished first.
    if (sql.sqlite) await finishSqliteSwitch(live, sql);

    target = await openRebuildTarget(live, database);
    const secondary = indexStatements(target).filter((index) => !index.unique);
    for (const index of secondary) await sql.write(`DROP INDEX IF EXISTS ${q(index.name)}`);

    const projector = new ReadModelProjector(target, eventStore, { writeLock: options.writeLock, batchSize: options.batchSize });
    const progress = new ProgressReporter(eventStore, options.onProgress);
    const batchSize = options.batchSize ?? 5000;
    let position = await projector.checkpoint();
    const catchUp = async (phase: RebuildProgress['phase']) => {
      for (;;) {
        const page = await eventStore.readAll({ after: position, maxCount: batchSize });
        if (page.length === 0) return;
        position = (await projector.apply(page)) ?? page[page.length - 1].position;
        await progress.applied(page.length, phase);
      }
    };

    let started = Date.now();
    await progress.report('projecting', true);
    await catchUp('projecting');
    await progress.report('projecting', true);
    const projecting = Date.now() - started;

    // PostgreSQL: sorted builds on the fresh tables, renamed at the switch. SQLite: after the switch, under their final names.
    started = Date.now();
    if (!sql.sqlite) {
      await progress.report('indexing', true);
      for (const index of secondary) await sql.write(index.create);
    }
    const indexing = Date.now() - started;

    started = Date.now();
    // From here until the claim is given up, the live tables are switched out and (SQLite) rebuilt without their
    // indexes for a while: GET /health/ready says so (rebuildSwitching), so a load balancer sends requests elsewhere.
    await sql.write(
      `INSERT INTO ${q(CLAIM_TABLE)} (id, owner, heartbeat_at) VALUES (${SWITCH_MARK}, ${sql.p(1)}, ${sql.p(2)}) ` +
        `ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, heartbeat_at = excluded.heartbeat_at`,
      [owner, new Date().toISOString()],
    );
    let attempts = 0;
    for (;;) {
      attempts += 1;
      await catchUp('switching');
      await progress.report('switching', true);
      if (await switchOver(live, target, sql, owner)) break;
      if (attempts >= MAX_SWITCH_ATTEMPTS) throw new Error(`the live projector stayed ahead of the rebuild ${attempts} times: not switched`);
    }
    const switching = Date.now() - started;

    started = Date.now();
    await progress.report('finishing', true);
    await target.destroy();
    target = null;
    if (sql.sqlite) await finishSqliteSwitch(live, sql);
    const finishing = Date.now() - started;

    return {
      events: progress.count,
      checkpoint: formatPosition(position),
      switchAttempts: attempts,
      timings: { projecting, indexing, switching, finishing },
    };
  } finally {
    clearInterval(heartbeat);
    if (target?.isInitialized) await target.destroy();
    await sql.write(`DELETE FROM ${q(CLAIM_TABLE)} WHERE id IN (1, ${SWITCH_MARK}) AND owner = ${sql.p(1)}`, [owner]).catch(() => undefined);
  }
}

/**
 * Whether a rebuild is switching the live tables over now (or, on SQLite,
 * building their indexes after the switch): its switch mark names the owner
 * of a claim renewed within CLAIM_STALE_AFTER_MS. A rebuild that died while
 * switching stops counting once its claim goes stale.
 */
export async function rebuildSwitching(live: DataSource): Promise<boolean> {
  const sql = new Statements(live);
  const exists = sql.sqlite
    ? ((await live.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`, [CLAIM_TABLE])) as unknown[]).length > 0
    : ((await live.query(`SELECT to_regclass($1) AS name`, [CLAIM_TABLE])) as { name: string | null }[])[0]?.name !== null;
  if (!exists) return false;
  const rows = (await live.query(
    `SELECT mark.owner FROM ${q(CLAIM_TABLE)} mark JOIN ${q(CLAIM_TABLE)} held ON held.id = 1 AND held.owner = mark.owner ` +
      `WHERE mark.id = ${SWITCH_MARK} AND held.heartbeat_at >= ${sql.p(1)}`,
    [new Date(Date.now() - CLAIM_STALE_AFTER_MS).toISOString()],
  )) as unknown[];
  return rows.length > 0;
}

/**
 * One rebuild at a time: a claim row renewed every few seconds. Taking it is
 * one conditional upsert, so two rebuilds starting together cannot both win;
 * a claim left by a rebuild that died goes stale and is taken over.
 */
async function claim(sql: Statements, owner: string): Promise<void> {
  await sql.write(`CREATE TABLE IF NOT EXISTS ${q(CLAIM_TABLE)} (id integer PRIMARY KEY, owner varchar(36) NOT NULL, heartbeat_at varchar(32) NOT NULL)`);
  const now = Date.now();
  await sql.write(
    `INSERT INTO ${q(CLAIM_TABLE)} (id, owner, heartbeat_at) VALUES (1, ${sql.p(1)}, ${sql.p(2)}) ` +
      `ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, heartbeat_at = excluded.heartbeat_at WHERE ${q(CLAIM_TABLE)}.heartbeat_at < ${sql.p(3)}`,
    [owner, new Date(now).toISOString(), new Date(now - CLAIM_STALE_AFTER_MS).toISOString()],
  );
  const [held] = (await sql.live.query(`SELECT owner, heartbeat_at FROM ${q(CLAIM_TABLE)} WHERE id = 1`)) as { owner: string; heartbeat_at: string }[];
  if (held?.owner !== owner) {
    throw new RebuildRefusedError(
      `another rebuild is running (it last reported at ${held?.heartbeat_at}); if it died, its claim lapses ${CLAIM_STALE_AFTER_MS / 1000} s after that`,
    );
  }
}

/** The live tables' names, the checkpoints first: the live projector reads that table first, so locking it first cannot deadlock with it. */
function liveTables(live: DataSource): string[] {
  const checkpoints = live.getMetadata(ProjectionCheckpointRow).tableName;
  return [checkpoints, ...READ_MODEL_ENTITIES.map((entity) => live.getMetadata(entity).tableName).filter((name) => name !== checkpoints)];
}

/**
 * A DataSource on the rebuild_ tables. Index names are global in both
 * databases, so they get the prefix too; SQLite's unique constraints live
 * inside CREATE TABLE and keep their final (live) names, as SQLite cannot
 * rename them later.
 */
async function openRebuildTarget(live: DataSource, database: ReadModelDatabase): Promise<DataSource> {
  const target = readModelDataSource(database, { entityPrefix: REBUILD_PREFIX, synchronize: false });
  await target.initialize();
  for (const metadata of target.entityMetadatas) {
    const liveMetadata = live.getMetadata(metadata.target);
    metadata.indices.forEach((index, i) => (index.name = REBUILD_PREFIX + liveMetadata.indices[i].name));
    if (database.type === 'sqlite') metadata.uniques.forEach((unique, i) => (unique.name = liveMetadata.uniques[i].name));
  }
  await target.synchronize();
  return target;
}

/**
 * The switch, in one transaction: live tables out, fresh tables in. Returns
 * false (nothing changed) when the live projector got further than the
 * rebuild meanwhile: switching then would move the live read model back.
 */
async function switchOver(live: DataSource, target: DataSource, sql: Statements, owner: string): Promise<boolean> {
  const tables = liveTables(live);
  try {
    await sql.exclusive(() =>
      live.transaction(async (manager) => {
        // Renaming takes each table's exclusive lock (PostgreSQL) or the file's write lock (SQLite) first.
        for (const table of tables) await manager.query(`ALTER TABLE ${q(table)} RENAME TO ${q(RETIRED_PREFIX + table)}`);
        const [held] = (await manager.query(`SELECT owner FROM ${q(CLAIM_TABLE)} WHERE id = 1`)) as { owner: string }[];
        if (held?.owner !== owner) throw new RebuildRefusedError('this rebuild lost its claim (it stalled for over a minute): not switched');
        const liveCheckpoint = await checkpointIn(manager, RETIRED_PREFIX + live.getMetadata(ProjectionCheckpointRow).tableName);
        const rebuilt = await checkpointIn(manager, target.getMetadata(ProjectionCheckpointRow).tableName);
        if (comparePositions(rebuilt, liveCheckpoint) < 0) throw new LiveProjectorAhead();
        // PostgreSQL drops a table by its catalog entry (files go at commit): cheap here, and it frees the index names.
        if (!sql.sqlite) for (const table of tables) await manager.query(`DROP TABLE ${q(RETIRED_PREFIX + table)}`);
        // SQLite: dropping a table walks all its pages, so the retired ones go later; their indexes go now, freeing
        // the names, so a restart before finishSqliteSwitch lets synchronize build them rather than clash with them.
        if (sql.sqlite) for (const index of indexStatements(live)) await manager.query(`DROP INDEX IF EXISTS ${q(index.name)}`);
        for (const table of tables) await manager.query(`ALTER TABLE ${q(REBUILD_PREFIX + table)} RENAME TO ${q(table)}`);
        if (!sql.sqlite) for (const statement of postgresRenames(live, target)) await manager.query(statement);
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof LiveProjectorAhead) return false;
    throw error;
  }
}

class LiveProjectorAhead extends Error {}

/** What TypeORM named after the rebuild_ table, renamed to what it names after the live one: indexes, constraints, sequences. */
function postgresRenames(live: DataSource, target: DataSource): string[] {
  return target.entityMetadatas.flatMap((metadata) => {
    const liveMetadata = live.getMetadata(metadata.target);
    const table = liveMetadata.tableName;
    const primary = metadata.primaryColumns.map((column) => column.databaseName);
    const statements = [
      `ALTER TABLE ${q(table)} RENAME CONSTRAINT ${q(target.namingStrategy.primaryKeyName(metadata.tableName, primary))} TO ${q(live.namingStrategy.primaryKeyName(table, primary))}`,
      ...metadata.uniques.map((unique, i) => `ALTER TABLE ${q(table)} RENAME CONSTRAINT ${q(unique.name)} TO ${q(liveMetadata.uniques[i].name)}`),
      ...metadata.indices.map((index, i) => `ALTER INDEX ${q(index.name)} RENAME TO ${q(liveMetadata.indices[i].name)}`),
      ...metadata.columns
        .filter((column) => column.isGenerated && column.generationStrategy === 'increment')
        .map((column) => `ALTER SEQUENCE ${q(`${metadata.tableName}_${column.databaseName}_seq`)} RENAME TO ${q(`${table}_${column.databaseName}_seq`)}`),
    ];
    return statements;
  });
}

/**
 * SQLite, after the switch: each index built under its final name on the
 * switched-in table (dropping the retired table's index of that name first),
 * the rebuild_ names dropped, then the retired tables. One statement per
 * transaction, so the api's writes wait for one index build at a time, not
 * all. Idempotent: a rebuild that finds a switch unfinished runs it again.
 */
async function finishSqliteSwitch(live: DataSource, sql: Statements): Promise<void> {
  for (const metadata of live.entityMetadatas) {
    for (const index of indexStatements(live).filter((i) => i.table === metadata.tableName)) {
      const [existing] = (await live.query(`SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = ?`, [index.name])) as { tbl_name: string }[];
      if (existing?.tbl_name === index.table) continue;
      if (existing) await sql.write(`DROP INDEX ${q(index.name)}`);
      await sql.write(index.create);
    }
  }
  for (const index of indexStatements(live)) await sql.write(`DROP INDEX IF EXISTS ${q(REBUILD_PREFIX + index.name)}`);
  for (const table of liveTables(live)) await sql.write(`DROP TABLE IF EXISTS ${q(RETIRED_PREFIX + table)}`);
}

interface IndexStatement {
  readonly name: string;
  readonly table: string;
  readonly unique: boolean;
  readonly create: string;
}

/** Every named index of the DataSource's entities, as TypeORM's synchronize would create it. */
function indexStatements(dataSource: DataSource): IndexStatement[] {
  return dataSource.entityMetadatas.flatMap((metadata: EntityMetadata) =>
    metadata.indices.map((index) => ({
      name: index.name,
      table: metadata.tableName,
      unique: index.isUnique,
      create:
        `CREATE ${index.isUnique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${q(metadata.tableName)} ` +
        `(${index.columns.map((column) => q(column.databaseName)).join(', ')})${index.where ? ` WHERE ${index.where}` : ''}`,
    })),
  );
}

async function checkpointIn(manager: EntityManager, table: string): Promise<GlobalPosition> {
  const postgres = manager.connection.options.type === 'postgres';
  const rows = (await manager.query(`SELECT position FROM ${q(table)} WHERE name = ${postgres ? '$1' : '?'}`, [READ_MODEL_PROJECTION])) as {
    position: string;
  }[];
  return rows[0] ? parsePosition(rows[0].position) : START_OF_ALL;
}

/** Plain statements on the live DataSource, writes under the in-process SQLite write lock. */
class Statements {
  readonly sqlite: boolean;

  constructor(
    readonly live: DataSource,
    private readonly writeLock?: Mutex,
  ) {
    this.sqlite = live.options.type !== 'postgres';
  }

  p(n: number): string {
    return this.sqlite ? '?' : `$${n}`;
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.writeLock ? this.writeLock.runExclusive(work) : work();
  }

  async write(statement: string, parameters: unknown[] = []): Promise<void> {
    await this.exclusive(() => this.live.query(statement, parameters));
  }
}

/** Counts applied events against the store's estimate, re-read at most once a second (writes keep adding to it). */
class ProgressReporter {
  count = 0;
  private total: number | null = null;
  private totalReadAt = 0;

  constructor(
    private readonly eventStore: EventStore,
    private readonly listener?: (progress: RebuildProgress) => void | Promise<void>,
  ) {}

  async applied(events: number, phase: RebuildProgress['phase']): Promise<void> {
    this.count += events;
    await this.report(phase, false);
  }

  async report(phase: RebuildProgress['phase'], fresh: boolean): Promise<void> {
    if (!this.listener) return;
    if (this.eventStore.approximateEventCount && (fresh || Date.now() - this.totalReadAt >= 1000)) {
      this.total = await this.eventStore.approximateEventCount();
      this.totalReadAt = Date.now();
    }
    await this.listener({ phase, applied: this.count, total: this.total === null ? null : Math.max(this.total, this.count) });
  }
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
