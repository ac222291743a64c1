import type { Request, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { apiKeyOf } from './auth';
import type { ApiMetrics } from './metrics';
import { sendProblem } from './problem';

export interface RateLimitSettings {
  /** Requests per window, per API key (a key's own limit wins) or per client IP without a key. */
  limit: number;
  windowMs: number;
}

/**
 * Fixed-window limits in process memory (one API replica = one budget; several replicas each allow the
 * limit). Over the limit: 429 problem with Retry-After and the draft-7 RateLimit headers.
 */
export function createRateLimiter(settings: RateLimitSettings, metrics: ApiMetrics, exempt: (req: Request) => boolean) {
  const clientOf = (req: Request, res: Response) => {
    const key = apiKeyOf(res);
    return key ? `key:${key.id}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
  };
  return rateLimit({
    windowMs: settings.windowMs,
    limit: (_req, res) => apiKeyOf(res)?.rateLimit ?? settings.limit,
    keyGenerator: clientOf,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: exempt,
    handler: (req, res) => {
      const key = apiKeyOf(res);
      metrics.rateLimited.inc({ client: key ? 'api_key' : 'ip' });
      const limit = key?.rateLimit ?? settings.limit;
      const who = key ? `API key ${key.id} ("${key.name}")` : `client ${req.ip ?? 'unknown'} (no API key)`;
      const retry = String(res.getHeader('Retry-After') ?? Math.ceil(settings.windowMs / 1000));
      sendProblem(res, 429, 'Too Many Requests', `${who} used its ${limit} requests per ${settings.windowMs / 1000} s; retry after ${retry} s`);
    },
  });
}
