import { ConfigError } from './config';

/**
 * A process that cannot start says why in one line (issue 20, item 7): a bad
 * setting by its name, anything else by its message; the stack only when
 * LOG_LEVEL asks for debug detail.
 */
export function startUpFailureLine(processName: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = `${processName} could not start: ${error instanceof ConfigError ? 'configuration error: ' : ''}${message.replace(/\s*\n\s*/g, '; ')}`;
  const detailed = ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '') && error instanceof Error && error.stack;
  return detailed ? `${line}\n${error.stack}` : line;
}
