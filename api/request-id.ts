import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { routeLabel } from './metrics';

const ids = new WeakMap<Response, string>();
const logs = new WeakMap<Response, Logger>();

/** Client-chosen ids are echoed only when they are short and plain, so they are safe in logs and headers. */
const ACCEPTED_ID = /^[\w.:@-]{1,128}$/;

/** The id of the request this response answers. */
export function requestIdOf(res: Response): string | undefined {
  return ids.get(res);
}

/** The request's logger (carrying its id, and its API key id once known), else `fallback`. */
export function logOf(res: Response, fallback: Logger): Logger {
  return logs.get(res) ?? fallback;
}

/** Adds fields to every later log line of this request. */
export function bindLog(res: Response, fields: Record<string, unknown>): void {
  const log = logs.get(res);
  if (log) logs.set(res, log.child(fields));
}

/**
 * Gives each request an id (its X-Request-Id when acceptable, else a new UUID), echoes it in the
 * response header, and writes one JSON log line per request: id, method, route template, status, ms.
 */
export function requestContext(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.get('x-request-id');
    const id = given && ACCEPTED_ID.test(given) ? given : randomUUID();
    ids.set(res, id);
    logs.set(res, log.child({ requestId: id }));
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: req.method,
        route: routeLabel(req),
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      const reqLog = logOf(res, log);
      // Probes and scrapes arrive every few seconds: successful ones only at debug level.
      const probe = res.statusCode < 400 && /\/(?:health|ready|metrics)$/.test(line.route);
      if (res.statusCode >= 500) reqLog.error(line, 'request');
      else if (probe) reqLog.debug(line, 'request');
      else reqLog.info(line, 'request');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
