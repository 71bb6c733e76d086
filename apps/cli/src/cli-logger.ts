import type { LoggerService } from '@nestjs/common';
import pino from 'pino';

/**
 * What the libraries log while a command runs (the projector of a verify or a
 * rebuild, the projection lock) as pino JSON lines on stderr, with the api's
 * fields (level, time, pid, hostname, context, msg) and its LOG_LEVEL: stdout
 * holds only the command's own output, so `--json` stays one parseable
 * document (issue 20, item 7). Nest's default logger wrote coloured text to stdout.
 */
export function cliLogger(level: string): LoggerService {
  // A level pino does not know is the configuration's to refuse (loadConfig says why), not a crash here.
  const known = level === 'silent' || level in pino.levels.values;
  const logger = pino({ level: known ? level : 'info' }, pino.destination({ dest: 2, sync: true }));
  const line =
    (method: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal') =>
    (message: unknown, ...rest: unknown[]) => {
      const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
      logger[method]({ ...(context ? { context } : {}) }, String(message));
    };
  return { log: line('info'), error: line('error'), warn: line('warn'), debug: line('debug'), verbose: line('trace'), fatal: line('fatal') };
}
