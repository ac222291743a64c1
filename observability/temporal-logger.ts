import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from 'pino';

/**
 * Temporal's logger contract on top of pino, for Runtime.install: the SDK's own lines and those of
 * `Context.current().log` in activities (which carry workflowId, activityType, …) become JSON lines too.
 */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const fields = meta ?? {};
    switch (level) {
      case 'TRACE':
        return this.pino.trace(fields, message);
      case 'DEBUG':
        return this.pino.debug(fields, message);
      case 'INFO':
        return this.pino.info(fields, message);
      case 'WARN':
        return this.pino.warn(fields, message);
      default:
        return this.pino.error(fields, message);
    }
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
