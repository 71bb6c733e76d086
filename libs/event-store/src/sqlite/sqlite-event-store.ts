import Database from 'better-sqlite3';
import {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  GlobalPosition,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START_OF_ALL,
  StreamWrite,
  SubscribeOptions,
  WrongExpectedRevisionError,
} from '../event-store.port';
import { appendAsOneWrite, checkDistinctStreams } from '../appending';
import { AppendSignal, pollAll } from '../polling-subscription';
import { SqliteGroupCommit } from './sqlite-group-commit';

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
 * Appends are group-committed (SqliteGroupCommit), each in a savepoint of its
 * own, so one append's wrong expected revision fails that append alone. A
 * multi-stream append is one savepoint: all its writes, or none.
 */
export class SqliteEventStore implements EventStore {
  readonly backend = 'sqlite' as const;
  readonly atomicMultiStreamAppend = true;
  private readonly appended = new AppendSignal();
  private readonly db: Database.Database;
  private readonly statements;

  private constructor(
    /** Shared with the personal-data keys beside the events (SqlitePersonalDataKeys.beside). */
    readonly groupCommit: SqliteGroupCommit,
    private readonly options: SqliteEventStoreOptions,
  ) {
    const db = (this.db = groupCommit.db);
    this.statements = {
      lastRevision: db.prepare<[string], { revision: number | null }>('SELECT MAX(stream_revision) AS revision FROM events WHERE stream_id = ?'),
      insert: db.prepare('INSERT INTO events (event_id, stream_id, stream_revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)'),
      readStream: db.prepare<[string, number, number], EventRow>(
        'SELECT * FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision LIMIT ?',
      ),
      readLast: db.prepare<[string], EventRow>('SELECT * FROM events WHERE stream_id = ? ORDER BY stream_revision DESC LIMIT 1'),
      readAll: db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?'),
    };
  }

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    const groupCommit = SqliteGroupCommit.open(options.file);
    groupCommit.db.exec(SCHEMA);
    return new SqliteEventStore(groupCommit, options);
  }

  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    return appendAsOneWrite(this, streamId, events, expected);
  }

  async appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    checkDistinctStreams(writes);
    const results = await this.groupCommit.run(() => writes.map((write) => this.appendNow(write.streamId, write.events, write.expected)));
    this.appended.notify();
    return results;
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
      const info = this.statements.insert.run(event.id, streamId, revision, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata));
      position = BigInt(info.lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position: { commit: position, prepare: position } };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    // LIMIT -1: every event.
    return this.statements.readStream.all(streamId, options.fromRevision ?? 0, options.maxCount ?? -1).map(toRecordedEvent);
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
    await this.groupCommit.close();
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
