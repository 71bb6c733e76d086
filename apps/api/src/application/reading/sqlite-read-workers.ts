import { Worker } from 'node:worker_threads';
import { QueryTimedOut } from './read-budget';
import { SIMPLE_LOWER_SQL_FUNCTION, simpleLowerCase } from '@scim-ledger/domain';

/**
 * What each worker runs: its own read-only connection to the read model's
 * file (WAL lets it read beside the projector's writes, each read seeing the
 * last commit), statements prepared once, one query at a time. Plain
 * JavaScript evaluated by the worker, so the same code runs from dist/, under
 * tsx and under ts-jest.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -8192');
// The filters' lower(), as on the main connection (registerSimpleLower).
const simpleLowerCase = ${simpleLowerCase.toString()};
db.function(${JSON.stringify(SIMPLE_LOWER_SQL_FUNCTION)}, { deterministic: true }, (text) => (typeof text === 'string' ? simpleLowerCase(text) : text));
const statements = new Map();
parentPort.on('message', ({ sql, params }) => {
  try {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= 200) statements.clear();
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    parentPort.postMessage({ rows: statement.all(params) });
  } catch (error) {
    parentPort.postMessage({ error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

interface Job {
  readonly sql: string;
  readonly params: Record<string, unknown>;
  readonly timeoutMs: number;
  resolve(rows: unknown[]): void;
  reject(error: Error): void;
}

interface ReadWorker {
  readonly thread: Worker;
  /** Whether it ever answered: one that fails before its first answer cannot open the file, and neither will the next. */
  answered: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/**
 * A small pool of worker threads answering the SCIM list path's expensive
 * reads on SQLite, so a slow filter holds a worker, not the event loop every
 * tenant's requests run on (issue 15, finding 3).
 *
 * better-sqlite3 cannot interrupt a running statement, so the time budget is
 * kept here: past it the caller gets QueryTimedOut at once, the worker is let
 * go (it exits when its statement ends) and a fresh one takes its place. The
 * filter budget bounds how long such a statement can still run.
 */
export class SqliteReadWorkers {
  private readonly workers: ReadWorker[] = [];
  private readonly queue: Job[] = [];
  private closed = false;

  /** False once closed, or once a worker could not start: the caller then reads on its own thread. */
  get usable(): boolean {
    return !this.closed;
  }

  constructor(
    private readonly file: string,
    size: number,
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  all<T>(sql: string, params: Record<string, unknown>, timeoutMs: number): Promise<T[]> {
    if (this.closed) return Promise.reject(new Error('the read workers are closed'));
    return new Promise<T[]>((resolve, reject) => {
      this.queue.push({ sql, params, timeoutMs, resolve: resolve as (rows: unknown[]) => void, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the read workers are closed'));
    await Promise.all(this.workers.splice(0).map((worker) => this.retire(worker)));
  }

  private spawn(): ReadWorker {
    const thread = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, driver: require.resolve('better-sqlite3') } });
    // An idle worker must not keep the process alive (tests, CLI).
    thread.unref();
    const worker: ReadWorker = { thread, answered: false, job: null, timer: null };
    thread.on('message', (message: { rows?: unknown[]; error?: { message: string; code?: string } }) => {
      worker.answered = true;
      const job = this.finish(worker);
      if (!job) return;
      if (message.error) job.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
      else job.resolve(message.rows ?? []);
      this.dispatch();
    });
    thread.on('error', (error) => this.replace(worker, error));
    thread.on('exit', () => this.replace(worker, new Error('a read worker stopped')));
    return worker;
  }

  private dispatch(): void {
    for (const worker of this.workers) {
      if (this.queue.length === 0) return;
      if (worker.job) continue;
      const job = this.queue.shift()!;
      worker.job = job;
      if (job.timeoutMs > 0) worker.timer = setTimeout(() => this.timedOut(worker), job.timeoutMs);
      worker.thread.postMessage({ sql: job.sql, params: job.params });
    }
  }

  private finish(worker: ReadWorker): Job | null {
    const job = worker.job;
    worker.job = null;
    if (worker.timer) clearTimeout(worker.timer);
    worker.timer = null;
    return job;
  }

  private timedOut(worker: ReadWorker): void {
    const job = this.finish(worker);
    job?.reject(new QueryTimedOut(job.timeoutMs));
    this.replace(worker, null);
  }

  /** Takes a worker out of the pool (its running job, if any, fails) and starts another in its place. */
  private replace(worker: ReadWorker, error: Error | null): void {
    const index = this.workers.indexOf(worker);
    if (index < 0) return;
    const job = this.finish(worker);
    if (job) job.reject(error ?? new Error('a read worker stopped'));
    void this.retire(worker);
    if (error && !worker.answered) {
      this.closed = true;
      for (const waiting of this.queue.splice(0)) waiting.reject(error);
    }
    if (!this.closed) this.workers[index] = this.spawn();
    else this.workers.splice(index, 1);
    this.dispatch();
  }

  private async retire(worker: ReadWorker): Promise<void> {
    worker.thread.removeAllListeners('exit');
    worker.thread.removeAllListeners('message');
    worker.thread.on('error', () => undefined);
    await worker.thread.terminate().catch(() => undefined);
  }
}
