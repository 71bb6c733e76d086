/** The only source of "now": injected so tests can travel in time (shared/STYLE.md point 2). */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
