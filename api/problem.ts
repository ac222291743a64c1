import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../services/errors';

/** Sends an RFC 9457 problem document. */
export function sendProblem(res: Response, status: number, title: string, detail: string, extra: object = {}) {
  res.status(status).type('application/problem+json').json({ type: 'about:blank', title, status, detail, ...extra });
}

/** The one place errors become HTTP: typed app errors keep their status, body-parser errors are 4xx, the rest 500. */
export function problemMiddleware(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof AppError) {
      sendProblem(res, err.status, err.title, err.message, err.details === undefined ? {} : { errors: err.details });
      return;
    }
    const httpErr = err as { status?: number; type?: string; message?: string };
    if (typeof httpErr.status === 'number' && httpErr.status >= 400 && httpErr.status < 500) {
      // body-parser: malformed JSON, too large, wrong charset
      sendProblem(res, httpErr.status, 'Invalid request', httpErr.message ?? 'bad request');
      return;
    }
    log.error({ err, path: req.path }, 'unhandled API error');
    sendProblem(res, 500, 'Internal error', 'the server failed to handle this request; see the server log');
  };
}
