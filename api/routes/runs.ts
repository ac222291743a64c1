import type { Router } from 'express';
import { z } from 'zod';
import { parseRunRequest, runRequestSchema } from '../../services/run-params';
import { getRun, listRuns, startPipelineRun } from '../../services/runs';
import type { ApiDeps } from '../app';
import { apiRouter } from '../openapi';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('runs per page'),
  before: z
    .string()
    .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z~[\w.:-]+$/, 'not a cursor: use the `next` link of the previous page')
    .optional()
    .describe('cursor from the `next` link of the previous page'),
});
const runIdParam = z.object({ id: z.string().min(1).max(200).regex(/^[\w.:-]+$/, 'not a run id').describe('run id (= workflow id)') });

const startedRun = z.object({
  runId: z.string(),
  status: z.literal('running'),
  links: z.object({ self: z.string(), temporalUi: z.string() }),
});
const runSummary = z.looseObject({ runId: z.string(), status: z.string(), trigger: z.string(), createdAt: z.string(), finishedAt: z.string().nullable() });
const runPage = z.object({ runs: z.array(runSummary), next: z.string().nullable().describe('link to the next page; null on the last') });
const runView = z.looseObject({
  runId: z.string(),
  status: z.string(),
  progress: z.looseObject({}).nullable().describe('live progress from the workflow while it runs, its final progress once completed'),
  sources: z.array(z.looseObject({ spec: z.string(), status: z.string() })),
  error: z.string().nullable(),
});

export function runsRouter({ db, temporal, config }: ApiDeps): Router {
  const r = apiRouter();
  const tags = ['runs'];
  r.post(
    '/runs',
    {
      summary: 'Start a pipeline run',
      description: 'Collect → embed → cluster → summarize the given sources; answers at once with the run id.',
      tags,
      body: runRequestSchema,
      responses: { 202: { description: 'started', schema: startedRun } },
    },
    async ({ body }, _req, res) => {
      const params = parseRunRequest(body, 'api');
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
    },
  );
  r.get(
    '/runs',
    { summary: 'List runs, newest first (cursor pagination)', tags, query: listQuery, responses: { 200: { description: 'a page of runs', schema: runPage } } },
    async ({ query: q }, _req, res) => {
      const [createdAt, id] = q.before ? (q.before.split('~') as [string, string]) : [];
      const { runs, next } = await listRuns(db, q.limit, createdAt && id ? { createdAt, id } : undefined);
      const cursor = next ? encodeURIComponent(`${next.createdAt}~${next.id}`) : null;
      res.json({ runs, next: cursor ? `/api/v1/runs?limit=${q.limit}&before=${cursor}` : null });
    },
  );
  r.get(
    '/runs/:id',
    {
      summary: 'One run: status, live progress, per-source results',
      tags,
      params: runIdParam,
      responses: { 200: { description: 'the run', schema: runView }, 404: { description: 'no such run' } },
    },
    async ({ params }, _req, res) => {
      res.json(await getRun(db, temporal(), params.id));
    },
  );
  return r.router;
}
