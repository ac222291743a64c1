import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../services/errors';
import { logOf, requestIdOf } from './request-id';

/** Sends an RFC 9457 problem document, with the request id so a client can quote it. */
export function sendProblem(res: Response, status: number, title: string, detail: string, extra: object = {}) {
  const requestId = requestIdOf(res);
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title, status, detail, ...(requestId ? { requestId } : {}), ...extra });
}

/** body-parser's 4xx errors, with details that say what to do. */
const BODY_ERRORS: Record<string, string> = {
  'entity.too.large': 'the request body is larger than the 256 kB limit',
  'charset.unsupported': 'unsupported body charset: send UTF-8 JSON',
  'encoding.unsupported': 'unsupported Content-Encoding: send the body uncompressed, or gzip, deflate or br',
  'entity.parse.failed': 'malformed JSON body',
};

/** The one place errors become HTTP: typed app errors keep their status, body-parser errors are 4xx, the rest 500. */
export function problemMiddleware(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof AppError) {
      sendProblem(res, err.status, err.title, err.message, err.details === undefined ? {} : { errors: err.details });
      return;
    }
    const httpErr = err as { status?: number; type?: string; message?: string };
    if (typeof httpErr.status === 'number' && httpErr.status >= 400 && httpErr.status < 500) {
      const known = httpErr.type ? BODY_ERRORS[httpErr.type] : undefined;
      const detail = known && httpErr.message ? `${known} (${httpErr.message})` : (httpErr.message ?? 'bad request');
      sendProblem(res, httpErr.status, httpErr.status === 400 ? 'Invalid request' : (STATUS_CODES[httpErr.status] ?? 'Invalid request'), detail);
      return;
    }
    logOf(res, log).error({ err, path: req.path }, 'unhandled API error');
    sendProblem(res, 500, 'Internal error', 'the server failed to handle this request; see the server log');
  };
}
