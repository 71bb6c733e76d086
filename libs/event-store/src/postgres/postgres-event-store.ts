import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  AppendResult,
  EventStore,
  EventStoreUnavailableError,
  EventToAppend,
  ExpectedRevision,
  GlobalPosition,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START_OF_ALL,
  StreamRevision,
  StreamWrite,
  SubscribeOptions,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { appendAsOneWrite, checkDistinctStreams } from '../appending';
import { PendingAppend } from '../pending-append';
import { AppendSignal, pollAll } from '../polling-subscription';
import { groupCommitSize } from '../event-store-metrics';

export interface PostgresEventStoreOptions {
  readonly connectionString: string;
  /** How often a caught-up subscription looks for appends if a notification is missed. */
  readonly pollIntervalMs?: number;
  readonly poolSize?: number;
}

const APPENDED_CHANNEL = 'scim_ledger_events';

/** Pages a subscription reads at a time. */
const SUBSCRIPTION_PAGE_SIZE = 500;

/**
 * How long readAll waits for older transactions to finish when committed
 * events are held back behind them, so a caller reads its own appends.
 */
const HELD_BACK_WAIT_MS = 1000;

/** An append with expected revision 'any' that keeps losing the race gives up after this many tries. */
const MAX_ANY_ATTEMPTS = 50;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  global_position BIGSERIAL   PRIMARY KEY,
  transaction_id  XID8        NOT NULL DEFAULT pg_current_xact_id(),
  event_id        UUID        NOT NULL,
  stream_id       TEXT        NOT NULL,
  stream_revision BIGINT      NOT NULL,
  type            TEXT        NOT NULL,
  data            JSONB       NOT NULL,
  metadata        JSONB       NOT NULL,
  recorded_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT events_stream_revision_unique UNIQUE (stream_id, stream_revision)
);
CREATE INDEX IF NOT EXISTS events_transaction_position ON events (transaction_id, global_position);`;

// xid8 arrives as text. The alias must not be transaction_id: ORDER BY would
// then sort by the text ('10000' < '9999') instead of the xid8 column.
const COLUMNS = 'global_position, transaction_id::text AS transaction_xid, event_id, stream_id, stream_revision, type, data, metadata';

/*
 * Sequence values are handed out at insert but become visible at commit, so a
 * transaction holding position 7 can commit after one holding position 8; a
 * reader ordering by global_position alone would move its checkpoint past 8
 * and never see 7. Instead read only transactions older than every one still
 * running (the snapshot's xmin), in (transaction, position) order: nothing can
 * later appear before a position already read.
 */
const READ_ALL_FROM_START = `
SELECT ${COLUMNS} FROM events
WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY transaction_id, global_position
LIMIT $1`;

const READ_ALL_AFTER = `
SELECT ${COLUMNS} FROM events
WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY transaction_id, global_position
LIMIT $3`;

const HOLDS_BACK_COMMITTED_EVENTS = `
SELECT EXISTS (
  SELECT 1 FROM events WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())
) AS held_back`;

const INSERT_EVENTS = `
INSERT INTO events (event_id, stream_id, stream_revision, type, data, metadata)
SELECT e.event_id, $1, $2::bigint + e.n, e.type, e.data, e.metadata
FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY AS e(event_id, type, data, metadata, n)
ORDER BY e.n
RETURNING global_position, transaction_id::text AS transaction_xid, stream_revision`;

// One statement for a whole group of appends: each event carries its stream and revision.
const INSERT_GROUP = `
INSERT INTO events (event_id, stream_id, stream_revision, type, data, metadata)
SELECT e.event_id, e.stream_id, e.stream_revision, e.type, e.data, e.metadata
FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[])
  WITH ORDINALITY AS e(event_id, stream_id, stream_revision, type, data, metadata, n)
ORDER BY e.n
RETURNING global_position, transaction_id::text AS transaction_xid, stream_id, stream_revision`;

/** Most group commits in flight at once, and most appends in one. */
const MAX_GROUPS_IN_FLIGHT = 4;
const MAX_GROUP_SIZE = 1000;

interface EventRow {
  global_position: string;
  transaction_xid: string;
  event_id: string;
  stream_id: string;
  stream_revision: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/**
 * Events in PostgreSQL, for deployments that run several API or projector
 * processes against one database.
 *
 * Appends are group-committed: while MAX_GROUPS_IN_FLIGHT transactions are
 * running, new appends queue, and the next transaction checks all their
 * expected revisions with one SELECT and inserts all their events with one
 * INSERT. Each commit waits for a WAL flush, so one commit for many appends
 * is what lets concurrent SCIM writes scale. A stale expected revision fails
 * its own append only (a multi-stream append as a whole); a race with
 * another process falls back to appending that group one by one.
 */
export class PostgresEventStore implements EventStore {
  readonly backend = 'postgres' as const;
  readonly atomicMultiStreamAppend = true;
  private readonly subscribers = new Set<AppendSignal>();
  private pending: PendingAppend[] = [];
  private groupsInFlight = 0;
  private listener?: pg.Client;
  private relisten?: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresEventStoreOptions,
  ) {}

  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const store = new PostgresEventStore(pool, options);
    try {
      await store.inTransaction(async (client) => {
        // Two processes starting at once would race on CREATE TABLE IF NOT EXISTS.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('scim-ledger events schema'))");
        await client.query(SCHEMA);
      });
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return store;
  }

  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    return appendAsOneWrite(this, streamId, events, expected);
  }

  async appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    checkDistinctStreams(writes);
    const result = new Promise<AppendResult[]>((resolve, reject) => this.pending.push({ writes, resolve, reject }));
    this.startGroup();
    return result;
  }

  private startGroup(): void {
    if (this.groupsInFlight >= MAX_GROUPS_IN_FLIGHT || this.pending.length === 0) return;
    const group = this.pending.splice(0, MAX_GROUP_SIZE);
    this.groupsInFlight += 1;
    void this.commitGroup(group).finally(() => {
      this.groupsInFlight -= 1;
      this.startGroup();
    });
  }

  private async commitGroup(group: readonly PendingAppend[]): Promise<void> {
    groupCommitSize.observe({ backend: this.backend }, group.length);
    if (group.length === 1) {
      const [one] = group;
      await this.appendAlone(one.writes).then(one.resolve, one.reject);
      return;
    }
    let outcomes: (AppendResult[] | Error)[];
    try {
      outcomes = await this.inTransaction((client) => this.appendGroup(client, group));
    } catch (error) {
      if (!isLostRevisionRace(error)) {
        for (const append of group) append.reject(error);
        return;
      }
      // Another process took one of these revisions meanwhile: each append on its own decides who lost.
      await Promise.all(group.map((a) => this.appendAlone(a.writes).then(a.resolve, a.reject)));
      return;
    }
    if (outcomes.some((o) => !(o instanceof Error))) this.wakeSubscribers();
    group.forEach((append, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof Error) append.reject(outcome);
      else append.resolve(outcome);
    });
  }

  private async appendGroup(client: pg.PoolClient, group: readonly PendingAppend[]): Promise<(AppendResult[] | Error)[]> {
    const streamIds = [...new Set(group.flatMap((a) => a.writes.map((w) => w.streamId)))];
    const { rows: last } = await this.query<{ stream_id: string; revision: string }>(
      'SELECT stream_id, max(stream_revision) AS revision FROM events WHERE stream_id = ANY($1::text[]) GROUP BY stream_id',
      [streamIds],
      client,
    );
    const revisions = new Map<string, StreamRevision>(last.map((row) => [row.stream_id, Number(row.revision)]));
    const outcomes: (Error | { readonly lastKeys: string[] })[] = [];
    const columns = {
      ids: [] as string[],
      streams: [] as string[],
      revs: [] as number[],
      types: [] as string[],
      data: [] as string[],
      metadata: [] as string[],
    };
    for (const append of group) {
      // Every write of an append is checked before any of its events is queued: all or nothing.
      const stale = append.writes
        .map((write) => ({ write, actual: revisions.get(write.streamId) ?? ('no_stream' as const) }))
        .find(({ write: { expected }, actual }) => (expected === 'no_stream' ? actual !== 'no_stream' : expected !== 'any' && expected !== actual));
      if (stale) {
        outcomes.push(new WrongExpectedRevisionError(stale.write.streamId, stale.write.expected, stale.actual));
        continue;
      }
      const lastKeys: string[] = [];
      for (const write of append.writes) {
        const actual = revisions.get(write.streamId);
        let revision = actual ?? -1;
        for (const event of write.events) {
          revision += 1;
          columns.ids.push(event.id);
          columns.streams.push(write.streamId);
          columns.revs.push(revision);
          columns.types.push(event.type);
          columns.data.push(JSON.stringify(event.data));
          columns.metadata.push(JSON.stringify(event.metadata));
        }
        revisions.set(write.streamId, revision);
        lastKeys.push(`${revision} ${write.streamId}`);
      }
      outcomes.push({ lastKeys });
    }
    if (columns.ids.length === 0) return outcomes as Error[];
    const { rows } = await this.query<{ global_position: string; transaction_xid: string; stream_id: string; stream_revision: string }>(
      INSERT_GROUP,
      [columns.ids, columns.streams, columns.revs, columns.types, columns.data, columns.metadata],
      client,
    );
    await this.query('SELECT pg_notify($1, $2)', [APPENDED_CHANNEL, ''], client);
    const inserted = new Map(rows.map((row) => [`${row.stream_revision} ${row.stream_id}`, row]));
    return outcomes.map((outcome) => {
      if (outcome instanceof Error) return outcome;
      return outcome.lastKeys.map((key) => {
        const row = inserted.get(key)!;
        return {
          nextExpectedRevision: Number(row.stream_revision),
          position: { commit: BigInt(row.transaction_xid), prepare: BigInt(row.global_position) },
        };
      });
    });
  }

  /** One append in a transaction of its own, re-read and retried when it loses a race with expected revision 'any'. */
  private async appendAlone(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await this.inTransaction(async (client) => {
          const done: AppendResult[] = [];
          for (const write of writes) done.push(await this.appendNow(client, write.streamId, write.events, write.expected));
          // Delivered on commit, so listeners in other processes never wake before the events are readable.
          await client.query('SELECT pg_notify($1, $2)', [APPENDED_CHANNEL, '']);
          return done;
        });
        this.wakeSubscribers();
        return results;
      } catch (error) {
        if (!isLostRevisionRace(error)) throw error;
        // Another writer took a revision between our read and our insert: name the stream it moved on.
        for (const { streamId, expected } of writes) {
          if (expected === 'any') continue;
          const actual = await this.lastRevision(streamId);
          if (actual !== expected) throw new WrongExpectedRevisionError(streamId, expected, actual);
        }
        if (attempt === MAX_ANY_ATTEMPTS) {
          throw new EventStoreUnavailableError(`streams ${writes.map((w) => w.streamId).join(', ')}: lost the append race ${attempt} times`, error);
        }
      }
    }
  }

  private async appendNow(client: pg.PoolClient, streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    const actual = await this.lastRevision(streamId, client);
    if (expected === 'no_stream' ? actual !== 'no_stream' : expected !== 'any' && expected !== actual) {
      throw new WrongExpectedRevisionError(streamId, expected, actual);
    }
    const { rows } = await client.query<{ global_position: string; transaction_xid: string; stream_revision: string }>(INSERT_EVENTS, [
      streamId,
      actual === 'no_stream' ? -1 : actual,
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => JSON.stringify(e.metadata)),
    ]);
    const last = rows.reduce((a, b) => (Number(b.stream_revision) > Number(a.stream_revision) ? b : a));
    return {
      nextExpectedRevision: Number(last.stream_revision),
      position: { commit: BigInt(last.transaction_xid), prepare: BigInt(last.global_position) },
    };
  }

  private async lastRevision(streamId: string, client?: pg.PoolClient): Promise<StreamRevision | 'no_stream'> {
    const { rows } = await this.query<{ revision: string | null }>(
      'SELECT max(stream_revision) AS revision FROM events WHERE stream_id = $1',
      [streamId],
      client,
    );
    const revision = rows[0]?.revision ?? null;
    return revision === null ? 'no_stream' : Number(revision);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.query<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = $1 AND stream_revision >= $2 ORDER BY stream_revision LIMIT $3`,
      // LIMIT NULL: every event.
      [streamId, options.fromRevision ?? 0, options.maxCount ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  async readLastEvent(streamId: string): Promise<RecordedEvent | null> {
    const { rows } = await this.query<EventRow>(`SELECT ${COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_revision DESC LIMIT 1`, [streamId]);
    return rows.length > 0 ? toRecordedEvent(rows[0]) : null;
  }

  async approximateEventCount(): Promise<number> {
    // The BIGSERIAL's highest value, read from the primary key: count(*) would scan the table.
    const { rows } = await this.query<{ last: string | null }>('SELECT max(global_position) AS last FROM events', []);
    return Number(rows[0]?.last ?? 0);
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.readAfter(options.after ?? START_OF_ALL, options.maxCount);
  }

  private async readAfter(after: GlobalPosition, maxCount: number): Promise<RecordedEvent[]> {
    const deadline = Date.now() + HELD_BACK_WAIT_MS;
    for (let pauseMs = 2; ; pauseMs = Math.min(pauseMs * 2, 50)) {
      const { rows } =
        after.commit < 0n
          ? await this.query<EventRow>(READ_ALL_FROM_START, [maxCount])
          : await this.query<EventRow>(READ_ALL_AFTER, [after.commit.toString(), after.prepare.toString(), maxCount]);
      if (rows.length === maxCount || Date.now() >= deadline || !(await this.holdsBackCommittedEvents())) {
        return rows.map(toRecordedEvent);
      }
      await sleep(pauseMs);
    }
  }

  /** Committed events wait behind a transaction still running: typically for a few milliseconds. */
  private async holdsBackCommittedEvents(): Promise<boolean> {
    const { rows } = await this.query<{ held_back: boolean }>(HOLDS_BACK_COMMITTED_EVENTS, []);
    return rows[0].held_back;
  }

  async *subscribeToAll(options: SubscribeOptions): AsyncGenerator<RecordedEvent> {
    const appended = new AppendSignal();
    this.subscribers.add(appended);
    this.listenForOtherProcesses();
    try {
      yield* pollAll((after, max) => this.readAfter(after, max), appended, {
        ...options,
        pageSize: SUBSCRIPTION_PAGE_SIZE,
        pollIntervalMs: this.options.pollIntervalMs ?? 50,
      });
    } finally {
      this.subscribers.delete(appended);
    }
  }

  private wakeSubscribers(): void {
    for (const subscriber of this.subscribers) subscriber.notify();
  }

  /**
   * One connection LISTENs for appends made by other processes and wakes the
   * subscribers; if it drops, the poll interval covers until it is back.
   */
  private listenForOtherProcesses(): void {
    if (this.listener || this.closed) return;
    const client = new pg.Client({ connectionString: this.options.connectionString });
    this.listener = client;
    const lost = () => void this.stopListening(client, { retry: true });
    client.on('notification', () => this.wakeSubscribers());
    client.on('error', lost);
    client.on('end', lost);
    client
      .connect()
      .then(() => client.query(`LISTEN ${APPENDED_CHANNEL}`))
      .then(() => this.wakeSubscribers()) // appends committed while connecting were not heard
      .catch(lost);
  }

  private async stopListening(client: pg.Client, { retry }: { retry: boolean }): Promise<void> {
    if (this.listener !== client) return;
    this.listener = undefined;
    if (retry && !this.closed) this.relisten = setTimeout(() => this.listenForOtherProcesses(), 1000).unref();
    await client.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.relisten);
    if (this.listener) await this.stopListening(this.listener, { retry: false });
    await this.pool.end();
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[], client?: pg.PoolClient): Promise<pg.QueryResult<R>> {
    try {
      return await (client ?? this.pool).query<R>(text, values);
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asUnavailable(error);
    }
    try {
      await this.query('BEGIN', [], client);
      const result = await work(client);
      await this.query('COMMIT', [], client);
      client.release();
      return result;
    } catch (error) {
      const broken = error instanceof EventStoreUnavailableError;
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      // A client whose connection failed is destroyed rather than returned to the pool.
      client.release(broken ? (error as Error) : undefined);
      throw error;
    }
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.stream_revision),
    position: { commit: BigInt(row.transaction_xid), prepare: BigInt(row.global_position) },
    type: row.type,
    data: row.data,
    metadata: row.metadata,
  };
}

function isLostRevisionRace(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'events_stream_revision_unique';
}

/** Network failures, SQLSTATE class 08 (connection exception) and server shutdown or overload. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

function asUnavailable(error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const unavailable =
    (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) ||
    // node-postgres reports these without a code.
    /Connection terminated|timeout exceeded when trying to connect|not queryable/i.test(message);
  return unavailable ? new EventStoreUnavailableError(`PostgreSQL event store unavailable: ${message}`, error) : error;
}

/** For the other PostgreSQL tables beside the events (personal data keys). */
export { asUnavailable as asPostgresUnavailable };
