import pino from 'pino';

let output: pino.DestinationStream | null = null;

/**
 * The api's standard output as one ordered stream: pino's log lines and the
 * start-up banner. pino writes asynchronously, so a banner written to
 * process.stdout beside it came out before lines logged earlier; through the
 * same stream, the banner is the last of the start-up output (issue 20).
 */
export function standardOutput(): pino.DestinationStream {
  output ??= pino.destination({ dest: 1, sync: false });
  return output;
}
