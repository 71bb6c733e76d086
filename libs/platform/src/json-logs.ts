import type { LoggerService } from '@nestjs/common';
import pino from 'pino';

/**
 * Nest's Logger as pino JSON lines with the api's fields (level, time, pid,
 * hostname, context, msg) at LOG_LEVEL, for the processes without nestjs-pino:
 * the projector (on stdout) and the CLI (on stderr, so its stdout holds only
 * the command's output and `--json` stays one parseable document). Nest's
 * default logger wrote coloured text (issue 20, item 7).
 */
export function jsonLogs(level: string, fd: 1 | 2): LoggerService {
  // A level pino does not know is the configuration's to refuse (loadConfig says why), not a crash here.
  const known = level === 'silent' || level in pino.levels.values;
  const logger = pino({ level: known ? level : 'info' }, pino.destination({ dest: fd, sync: true }));
  const line =
    (method: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal') =>
    (message: unknown, ...rest: unknown[]) => {
      const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
      logger[method]({ ...(context ? { context } : {}) }, String(message));
    };
  return { log: line('info'), error: line('error'), warn: line('warn'), debug: line('debug'), verbose: line('trace'), fatal: line('fatal') };
}
