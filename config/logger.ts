import pino, { type Logger } from 'pino';

/** Structured JSON logs on stderr-free stdout; one root logger per process, children carry run/workflow ids. */
export function createLogger(level: string, name = 'trendflow'): Logger {
  return pino({ name, level });
}
export type { Logger };
