import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { countActiveApiKeys, createUsageRecorder, verifyApiKey, type ApiKeyIdentity } from '../services/api-keys';
import type { ApiMetrics } from './metrics';
import { sendProblem } from './problem';
import { bindLog, logOf } from './request-id';

/** `required`: writes need a `write` key, reads any key when `reads`; `disabled`: no checks (trusted networks, tests). */
export interface AuthSettings {
  mode: 'required' | 'disabled';
  reads: boolean;
}

const identities = new WeakMap<Response, ApiKeyIdentity>();
const rejected = new WeakSet<Response>();

/** The API key the request authenticated with, if any. */
export function apiKeyOf(res: Response): ApiKeyIdentity | undefined {
  return identities.get(res);
}

/** The key from `Authorization: Bearer <key>` or `X-API-Key`; '' when a header is there but malformed. */
function presentedKey(req: Request): string | undefined {
  const authorization = req.get('authorization');
  if (authorization !== undefined) return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? '';
  return req.get('x-api-key');
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const HOW = 'send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`';

export interface AuthDeps {
  db: DataSource;
  settings: AuthSettings;
  log: Logger;
  metrics: ApiMetrics;
  /** GET routes that never need a key (health, metrics, API docs). */
  isPublic: (req: Request) => boolean;
}

/**
 * Two middlewares around the rate limiter: `identify` resolves a presented key (so limits are per key),
 * `enforce` then refuses what the settings require a key for: 401 without a valid key, 403 for a
 * read-only key on a write. A presented but unknown or revoked key is refused wherever it is sent.
 */
export function createAuth({ db, settings, log, metrics, isPublic }: AuthDeps) {
  const recordUse = createUsageRecorder(db);
  const identify = async (req: Request, res: Response, next: NextFunction) => {
    const key = settings.mode === 'required' ? presentedKey(req) : undefined;
    if (key === undefined || (READ_METHODS.has(req.method) && isPublic(req))) return next();
    const identity = await verifyApiKey(db, key);
    if (!identity) {
      rejected.add(res);
      return next();
    }
    identities.set(res, identity);
    bindLog(res, { apiKeyId: identity.id });
    recordUse(identity.id).catch((err: unknown) => logOf(res, log).warn({ err }, 'could not record API key use'));
    next();
  };

  const refuse = (res: Response, status: 401 | 403, reason: string, detail: string) => {
    metrics.authFailures.inc({ reason });
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="trendflow"');
    sendProblem(res, status, status === 401 ? 'Unauthorized' : 'Forbidden', detail);
  };

  const enforce = async (req: Request, res: Response, next: NextFunction) => {
    if (settings.mode === 'disabled' || req.method === 'OPTIONS') return next();
    const write = !READ_METHODS.has(req.method);
    if (!write && isPublic(req)) return next();
    if (rejected.has(res)) return refuse(res, 401, 'invalid_key', `API key not recognised (unknown, revoked or malformed); ${HOW}`);
    const needed = write || (settings.reads && req.path.startsWith('/api/'));
    if (!needed) return next();
    const identity = identities.get(res);
    if (!identity) {
      const none = (await countActiveApiKeys(db)) === 0;
      const detail = none
        ? `${write ? 'writes' : 'requests'} need an API key and none exists yet: create one with \`trendflow keys create --name <name>\`, then ${HOW}`
        : `this request needs an API key: ${HOW}`;
      return refuse(res, 401, 'missing_key', detail);
    }
    if (write && identity.scope !== 'write') {
      return refuse(res, 403, 'read_only_key', `API key ${identity.id} ("${identity.name}") is read-only; ${req.method} needs a write key`);
    }
    next();
  };
  return { identify, enforce };
}
