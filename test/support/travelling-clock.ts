import { Clock } from '@scim-ledger/platform';

export const DAY_MS = 86_400_000;

/**
 * The one clock the suites move by hand (shared/STYLE.md point 2): real time
 * plus an offset, so the app's own timers and the database keep running while
 * tokens expire and retention periods pass. `backToNow` in a `finally` keeps a
 * test's journey out of the next test.
 */
export class TravellingClock extends Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  travel(ms: number): void {
    this.offsetMs += ms;
  }

  travelDays(days: number): void {
    this.travel(days * DAY_MS);
  }

  travelTo(instantMs: number): void {
    this.offsetMs = instantMs - Date.now();
  }

  backToNow(): void {
    this.offsetMs = 0;
  }
}
