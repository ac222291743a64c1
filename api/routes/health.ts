import type { Router } from 'express';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import type { ApiDeps } from '../app';
import { apiRouter } from '../openapi';

async function check(name: string, fn: () => Promise<unknown>, timeoutMs = 3000) {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ok: true, ms: Date.now() - started };
  } catch (err) {
    return { name, ok: false, ms: Date.now() - started, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

const readyView = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), ms: z.number(), error: z.string().optional() })),
});

/** Liveness (process up), readiness (every dependency answers) and Prometheus metrics; never need a key. */
export function healthRouter({ db, temporal, vectorStore }: ApiDeps, registry: Registry): Router {
  const r = apiRouter();
  const tags = ['operations'];
  r.get(
    '/health',
    { summary: 'Liveness: the process is up', tags, public: true, responses: { 200: { description: 'up', schema: z.object({ status: z.literal('ok') }) } } },
    (_in, _req, res) => {
      res.json({ status: 'ok' });
    },
  );
  r.get(
    '/ready',
    {
      summary: 'Readiness: Postgres, Temporal and the vector store answer',
      tags,
      public: true,
      responses: { 200: { description: 'every dependency answers', schema: readyView }, 503: { description: 'some dependency does not', schema: readyView } },
    },
    async (_in, _req, res) => {
      const checks = await Promise.all([
        check('postgres', () => db.query('SELECT 1')),
        check('temporal', () => temporal().workflowService.getSystemInfo({})),
        check('vectorStore', async () => (await vectorStore()).ping()),
      ]);
      const ready = checks.every((c) => c.ok);
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
    },
  );
  r.get(
    '/metrics',
    { summary: 'Prometheus metrics of this API process', tags, public: true, responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } } },
    async (_in, _req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    },
  );
  return r.router;
}
