import type { LoggerService } from '@nestjs/common';

/** The contexts of Nest's own start-up lines: modules loaded, routes mapped, "Nest application successfully started". */
const NEST_START_UP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * Nest's start-up lines are a developer's detail, logged at debug, so the
 * operator's start-up output ends with the banner that says what to give the
 * IdP (issue 20, item 3); every other line goes through as it came.
 */
export class StartUpLinesAtDebug implements LoggerService {
  constructor(private readonly logger: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && NEST_START_UP_CONTEXTS.has(context)) {
      this.logger.debug?.(message, ...rest);
      return;
    }
    this.logger.log(message, ...rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.logger.error(message, ...rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.logger.warn(message, ...rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.logger.debug?.(message, ...rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.logger.verbose?.(message, ...rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.logger.fatal?.(message, ...rest);
  }
}
