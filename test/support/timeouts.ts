/**
 * How long a hook, a test or a wait may take, by what it does: one place for
 * the sizes (issue 17, item 4), so a slow machine is answered here and no test
 * gets minutes for a second of work. Each size is a few times the slowest
 * measured in a full `npm test` on the 2-core CI machine under load; a test
 * that needs more says so by its run count (fuzzTimeout) or names the size.
 */
export const TIMEOUTS = {
  /** What follows an answer in the background (a projection, a recorded refusal, a log line, a timer's run): milliseconds alone, seconds under load. */
  background: 20_000,
  /** A hook that starts the app on a fresh database and sets a tenant or two up: 1–3 s alone, over jest's 5 s under load. */
  appStart: 30_000,
  /** Building the apps into dist/ (support/processes.ts): ~20 s alone, a minute or more under load, or waiting for another suite's build. */
  build: 240_000,
  /** A test of some dozens of requests on a running app, or a few app restarts. */
  requests: 30_000,
  /** Seeding or driving thousands of writes, sweeping every route, several apps or child processes. */
  load: 120_000,
} as const;

/** A time-out sized from a run count (writes, cases): a fixed start-up allowance, then a budget per run (a few times its measured cost). */
export function sizedTimeout(runs: number, msPerRun: number): number {
  return TIMEOUTS.appStart + runs * msPerRun;
}
