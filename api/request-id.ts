import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { routeLabel } from './metrics';

/**
 * Per-request state kept on the response under a private symbol: a property costs less than the
 * WeakMap entries it replaced (ephemerons slow every young-generation GC at thousands of requests/s).
 */
const CONTEXT = Symbol('trendflow.requestContext');
interface RequestContext {
  id: string;
  base: Logger;
  /** Fields bound after the start (API key id); the child logger is built only when a line is written. */
  fields?: Record<string, unknown>;
  log?: Logger;
}
type WithContext = Response & { [CONTEXT]?: RequestContext };

/** Client-chosen ids are echoed only when they are short and plain, so they are safe in logs and headers. */
const ACCEPTED_ID = /^[\w.:@-]{1,128}$/;
/** Probes and scrapes arrive every few seconds: successful ones are logged only at debug level. */
const PROBE_ROUTE = /\/(?:health|ready|metrics)$/;

/** The id of the request this response answers. */
export function requestIdOf(res: Response): string | undefined {
  return (res as WithContext)[CONTEXT]?.id;
}

/** The request's logger (carrying its id, and its API key id once known), else `fallback`. */
export function logOf(res: Response, fallback: Logger): Logger {
  const ctx = (res as WithContext)[CONTEXT];
  if (!ctx) return fallback;
  ctx.log ??= ctx.base.child({ requestId: ctx.id, ...ctx.fields });
  return ctx.log;
}

/** Adds fields to every later log line of this request. */
export function bindLog(res: Response, fields: Record<string, unknown>): void {
  const ctx = (res as WithContext)[CONTEXT];
  if (!ctx) return;
  ctx.fields = { ...ctx.fields, ...fields };
  ctx.log = undefined;
}

/**
 * Gives each request an id (its X-Request-Id when acceptable, else a new UUID), echoes it in the
 * response header, and writes one JSON log line per request: id, method, route template, status, ms.
 */
export function requestContext(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && ACCEPTED_ID.test(given) ? given : randomUUID();
    const ctx: RequestContext = { id, base: log };
    (res as WithContext)[CONTEXT] = ctx;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    // 'close' follows 'finish' on every response, and comes alone when the client hangs up first.
    res.once('close', () => {
      const route = routeLabel(req);
      const status = res.statusCode;
      const probe = status < 400 && PROBE_ROUTE.test(route);
      if (probe && !log.isLevelEnabled('debug')) return; // a level that is off costs no line object
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const url = req.originalUrl;
      const q = url.indexOf('?');
      const line = {
        method: req.method,
        route,
        path: q < 0 ? url : url.slice(0, q),
        status,
        ms: Math.round(ms * 10) / 10,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      const reqLog = logOf(res, log);
      if (status >= 500) reqLog.error(line, 'request');
      else if (probe) reqLog.debug(line, 'request');
      else reqLog.info(line, 'request');
    });
    next();
  };
}
