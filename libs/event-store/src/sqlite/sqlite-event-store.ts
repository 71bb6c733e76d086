import Database from 'better-sqlite3';
import {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  GlobalPosition,
  ReadAllOptions,
  RecordedEvent,
  START_OF_ALL,
  StreamWrite,
  SubscribeOptions,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { checkDistinctStreams, PendingAppend } from '../pending-append';
import { AppendSignal, pollAll } from '../polling-subscription';
import { sqliteWriteLock } from '../sqlite-write-lock';
import { openSqliteFile } from './open-sqlite-file';

export interface SqliteEventStoreOptions {
  /** Path of the SQLite file (shared with the read model on the embedded default). */
  readonly file: string;
  /** How often a caught-up subscription looks for appends made by other processes. */
  readonly pollIntervalMs?: number;
}

interface EventRow {
  global_position: number;
  event_id: string;
  stream_id: string;
  stream_revision: number;
  type: string;
  data: string;
  metadata: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  global_position INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT    NOT NULL,
  stream_id       TEXT    NOT NULL,
  stream_revision INTEGER NOT NULL,
  type            TEXT    NOT NULL,
  data            TEXT    NOT NULL,
  metadata        TEXT    NOT NULL,
  recorded_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (stream_id, stream_revision)
);`;


/**
 * The embedded default: events in a SQLite file. SQLite commits one writer at
 * a time, so the row id is already the commit order and readers never skip.
 *
 * Appends are group-committed: those that arrive while the file's write lock
 * is held (by the previous commit or the in-process projector) are written in
 * one transaction, each in a savepoint of its own, so one append's wrong
 * expected revision fails that append alone. A commit costs far more than an
 * insert, so concurrent SCIM writes and the bench's seeding share them.
 * A multi-stream append is one savepoint: all its writes, or none.
 */
export class SqliteEventStore implements EventStore {
  readonly backend = 'sqlite' as const;
  readonly atomicMultiStreamAppend = true;
  private readonly appended = new AppendSignal();
  private readonly lock;
  private readonly statements;
  /** appendNow for each write, in one savepoint of the group's transaction. */
  private readonly appendOne: Database.Transaction<(writes: readonly StreamWrite[]) => AppendResult[]>;
  private pending: PendingAppend[] = [];
  private flushQueued = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteEventStoreOptions,
  ) {
    this.lock = sqliteWriteLock(options.file);
    this.appendOne = db.transaction((writes: readonly StreamWrite[]) =>
      writes.map((write) => this.appendNow(write.streamId, write.events, write.expected)),
    );
    this.statements = {
      lastRevision: db.prepare<[string], { revision: number | null }>(
        'SELECT MAX(stream_revision) AS revision FROM events WHERE stream_id = ?',
      ),
      insert: db.prepare(
        'INSERT INTO events (event_id, stream_id, stream_revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      readStream: db.prepare<[string], EventRow>(
        'SELECT * FROM events WHERE stream_id = ? ORDER BY stream_revision',
      ),
      readLast: db.prepare<[string], EventRow>(
        'SELECT * FROM events WHERE stream_id = ? ORDER BY stream_revision DESC LIMIT 1',
      ),
      readAll: db.prepare<[number, number], EventRow>(
        'SELECT * FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?',
      ),
    };
  }

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    const db = openSqliteFile(options.file);
    db.exec(SCHEMA);
    return new SqliteEventStore(db, options);
  }

  async append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const [result] = await this.appendToStreams([{ streamId, events, expected }]);
    return result;
  }

  async appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    checkDistinctStreams(writes);
    const result = new Promise<AppendResult[]>((resolve, reject) => this.pending.push({ writes, resolve, reject }));
    if (!this.flushQueued) {
      this.flushQueued = true;
      void this.lock.runExclusive(() => this.flush());
    }
    return result;
  }

  /** Commits every append queued so far in one transaction, then answers each. */
  private flush(): void {
    this.flushQueued = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; result: AppendResult[] } | { ok: false; error: unknown })[] = [];
    try {
      // BEGIN IMMEDIATE takes the write lock before reading the revisions, so
      // each check and its insert see the same stream even across processes.
      this.db
        .transaction(() => {
          for (const append of batch) {
            try {
              // A nested transaction is a savepoint: a failed append leaves the others in place.
              outcomes.push({ ok: true, result: this.appendOne(append.writes) });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      for (const append of batch) append.reject(error);
      return;
    }
    batch.forEach((append, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) append.resolve(outcome.result);
      else append.reject(outcome.error);
    });
    if (outcomes.some((o) => o.ok)) this.appended.notify();
  }

  private appendNow(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): AppendResult {
    const last = this.statements.lastRevision.get(streamId)?.revision ?? null;
    const actual = last === null ? 'no_stream' : last;
    if (expected === 'no_stream' ? actual !== 'no_stream' : expected !== 'any' && expected !== actual) {
      throw new WrongExpectedRevisionError(streamId, expected, actual);
    }
    let revision = last ?? -1;
    let position = 0n;
    for (const event of events) {
      revision += 1;
      const info = this.statements.insert.run(
        event.id,
        streamId,
        revision,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
      );
      position = BigInt(info.lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position: { commit: position, prepare: position } };
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    return this.statements.readStream.all(streamId).map(toRecordedEvent);
  }

  async readLastEvent(streamId: string): Promise<RecordedEvent | null> {
    const row = this.statements.readLast.get(streamId);
    return row ? toRecordedEvent(row) : null;
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.readAfter(options.after ?? START_OF_ALL, options.maxCount);
  }

  private async readAfter(after: GlobalPosition, maxCount: number): Promise<RecordedEvent[]> {
    return this.statements.readAll.all(Number(after.commit), maxCount).map(toRecordedEvent);
  }

  async approximateEventCount(): Promise<number> {
    const row = this.db.prepare('SELECT MAX(global_position) AS last FROM events').get() as { last: number | null };
    return row.last ?? 0;
  }

  subscribeToAll(options: SubscribeOptions): AsyncIterable<RecordedEvent> {
    return pollAll((after, max) => this.readAfter(after, max), this.appended, {
      ...options,
      pageSize: 500,
      pollIntervalMs: this.options.pollIntervalMs ?? 20,
    });
  }

  async close(): Promise<void> {
    await this.lock.runExclusive(() => this.db.close());
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  const position = BigInt(row.global_position);
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: row.stream_revision,
    position: { commit: position, prepare: position },
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
  };
}
