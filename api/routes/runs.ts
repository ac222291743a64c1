import { Router } from 'express';
import { z } from 'zod';
import { parseRunRequest } from '../../services/run-params';
import { getRun, listRuns, startPipelineRun } from '../../services/runs';
import { parseInput } from '../../services/validate';
import type { ApiDeps } from '../app';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true }).optional(),
});
const runIdParam = z.object({ id: z.string().min(1).max(200).regex(/^[\w.:-]+$/, 'not a run id') });

export function runsRouter({ db, temporal, config }: ApiDeps): Router {
  const r = Router();
  r.post('/runs', async (req, res) => {
    const params = parseRunRequest(req.body ?? {}, 'api');
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
    const runs = await listRuns(db, q.limit, q.before ? new Date(q.before) : undefined);
    const last = runs[runs.length - 1];
    res.json({ runs, next: runs.length === q.limit && last ? `/api/v1/runs?limit=${q.limit}&before=${encodeURIComponent(last.createdAt)}` : null });
  });
  r.get('/runs/:id', async (req, res) => {
    const { id } = parseInput(runIdParam, req.params);
    res.json(await getRun(db, temporal(), id));
  });
  return r;
}
