import { Router } from 'express';
import { z } from 'zod';
import { parseRunRequest } from '../../services/run-params';
import { getRun, listRuns, startPipelineRun } from '../../services/runs';
import { parseInput } from '../../services/validate';
import type { ApiDeps } from '../app';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z
    .string()
    .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z~[\w.:-]+$/, 'not a cursor: use the `next` link of the previous page')
    .optional(),
});
const runIdParam = z.object({ id: z.string().min(1).max(200).regex(/^[\w.:-]+$/, 'not a run id') });

export function runsRouter({ db, temporal, config }: ApiDeps): Router {
  const r = Router();
  r.post('/runs', async (req, res) => {
    // No body at all reads as an empty request ("sources" missing); a JSON null is reported as such.
    const params = parseRunRequest(req.body === undefined ? {} : req.body, 'api');
    const { runId } = await startPipelineRun(temporal(), params);
    res
      .status(202)
      .location(`/api/v1/runs/${runId}`)
      .json({
        runId,
        status: 'running',
        links: {
          self: `/api/v1/runs/${runId}`,
          temporalUi: `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${runId}`,
        },
      });
  });
  r.get('/runs', async (req, res) => {
    const q = parseInput(listQuery, req.query);
    const [createdAt, id] = q.before ? (q.before.split('~') as [string, string]) : [];
    const { runs, next } = await listRuns(db, q.limit, createdAt && id ? { createdAt, id } : undefined);
    const cursor = next ? encodeURIComponent(`${next.createdAt}~${next.id}`) : null;
    res.json({ runs, next: cursor ? `/api/v1/runs?limit=${q.limit}&before=${cursor}` : null });
  });
  r.get('/runs/:id', async (req, res) => {
    const { id } = parseInput(runIdParam, req.params);
    res.json(await getRun(db, temporal(), id));
  });
  return r;
}
