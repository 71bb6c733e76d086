import type Database from 'better-sqlite3';
import type { Mutex } from 'async-mutex';
import { sqliteWriteLock } from '../sqlite-write-lock';
import { openSqliteFile } from './open-sqlite-file';
import { groupCommitSize } from '../event-store-metrics';

interface QueuedWork {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The writes made on one connection to the shared SQLite file, group-committed:
 * work queued while the file's write lock is held (by the previous commit or
 * the in-process projector) runs in one transaction, each in a savepoint of its
 * own, so one that throws undoes its own writes alone. A commit costs far more
 * than an insert. The event store and the personal-data key store share one:
 * a SCIM create's key and the previous creates' events then share a commit.
 */
export class SqliteGroupCommit {
  private pending: QueuedWork[] = [];
  private flushQueued = false;
  /** Made once: better-sqlite3 builds a function per transaction(), which showed in the create profile. */
  private readonly inSavepoint: Database.Transaction<(work: () => unknown) => unknown>;
  private readonly group: Database.Transaction<(batch: readonly QueuedWork[], outcomes: Outcome[]) => void>;

  constructor(
    readonly db: Database.Database,
    private readonly lock: Mutex,
  ) {
    this.inSavepoint = db.transaction((work: () => unknown) => work());
    this.group = db.transaction((batch: readonly QueuedWork[], outcomes: Outcome[]) => {
      for (const queued of batch) {
        try {
          // A nested transaction is a savepoint: a failed piece of work leaves the others in place.
          outcomes.push({ ok: true, value: this.inSavepoint(queued.work) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    });
  }

  static open(file: string): SqliteGroupCommit {
    return new SqliteGroupCommit(openSqliteFile(file), sqliteWriteLock(file));
  }

  /** Runs `work` in the next group's transaction; resolves once that transaction committed. */
  run<T>(work: () => T): Promise<T> {
    const done = new Promise<T>((resolve, reject) => this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject }));
    if (!this.flushQueued) {
      this.flushQueued = true;
      void this.lock.runExclusive(() => this.flush());
    }
    return done;
  }

  /** Closes the connection once the writes queued so far are committed. */
  async close(): Promise<void> {
    await this.lock.runExclusive(() => {
      if (this.db.open) this.db.close();
    });
  }

  private flush(): void {
    this.flushQueued = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    groupCommitSize.observe({ backend: 'sqlite' }, batch.length);
    const outcomes: Outcome[] = [];
    try {
      // BEGIN IMMEDIATE takes the write lock before anything is read, so a
      // check and its insert see the same rows even across processes.
      this.group.immediate(batch, outcomes);
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(outcome.error);
    });
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
