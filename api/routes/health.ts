import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { ApiDeps } from '../app';

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

/** Liveness (process up), readiness (every dependency answers) and Prometheus metrics. */
export function healthRouter({ db, temporal, vectorStore }: ApiDeps, registry: Registry): Router {
  const r = Router();
  r.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/ready', async (_req, res) => {
    const checks = await Promise.all([
      check('postgres', () => db.query('SELECT 1')),
      check('temporal', () => temporal().workflowService.getSystemInfo({})),
      check('vectorStore', async () => (await vectorStore()).ping()),
    ]);
    const ready = checks.every((c) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  r.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return r;
}
