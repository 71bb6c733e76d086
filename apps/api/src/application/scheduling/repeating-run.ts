/**
 * A job that runs now and then every interval, never overlapping itself:
 * the next run starts only after the previous one ended, and stop() waits
 * for a run in progress, so a shutdown never cuts one off halfway.
 */
export class RepeatingRun<T> {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastRun: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly run: () => Promise<T>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** First run after `firstDelayMs`, then every `intervalMs`; 0 as interval means never. */
  start(firstDelayMs: number, intervalMs: number): void {
    if (intervalMs === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runOnce()
        .catch(this.onError)
        .finally(() => {
          if (!this.stopped) this.start(intervalMs, intervalMs);
        });
    }, firstDelayMs);
    this.timer.unref();
  }

  /** One run, after any run in progress: for the timer, and for tests directly. */
  runOnce(): Promise<T> {
    const run = this.lastRun.then(() => this.run());
    this.lastRun = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.lastRun;
  }
}
