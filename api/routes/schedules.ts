import type { Router } from 'express';
import { z } from 'zod';
import { backfillSchema, createProfileSchema, OVERLAP_POLICIES, patchProfileSchema, profileIdSchema } from '../../services/profiles';
import {
  backfillProfile,
  createProfile,
  deleteProfile,
  getProfile,
  listProfiles,
  setPaused,
  triggerProfile,
  updateProfile,
  type ProfileView,
} from '../../services/schedules';
import type { ApiDeps } from '../app';
import { apiRouter } from '../openapi';

const noteBody = z.object({ note: z.string().trim().min(1).max(500).optional().describe('why; shown in the Temporal UI') }).strict();
const triggerBody = z.object({ overlap: z.enum(OVERLAP_POLICIES).optional().describe("overrides the profile's overlap policy") }).strict();
const links = z.object({ self: z.string(), temporalUi: z.string(), runs: z.string().describe("the profile's runs in the Temporal UI") });
const profileView = z.looseObject({
  id: z.string(),
  sources: z.array(z.string()),
  window: z.string(),
  interval: z.string().optional(),
  cron: z.string().optional(),
  overlap: z.enum(OVERLAP_POLICIES),
  catchupWindow: z.string(),
  paused: z.boolean(),
  note: z.string().nullable(),
  workflowIdPrefix: z.string().describe('runs are named <prefix>-<scheduled time>'),
  nextRuns: z.array(z.string()),
  recentRuns: z.array(z.object({ workflowId: z.string(), scheduledAt: z.string(), startedAt: z.string() })),
  links,
});
const accepted = z.looseObject({ id: z.string(), overlap: z.enum(OVERLAP_POLICIES).describe('the policy applied'), links });

/** `/schedules`: collection profiles, each a Temporal Schedule (services/schedules.ts, docs/operations.md). */
export function schedulesRouter({ temporal, config }: ApiDeps): Router {
  const r = apiRouter();
  const tags = ['schedules'];
  const ui = `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}`;
  const linksFor = (id: string) => ({
    self: `/api/v1/schedules/${id}`,
    temporalUi: `${ui}/schedules/${id}`,
    // Temporal sets TemporalScheduledById on every run a schedule starts.
    runs: `${ui}/workflows?query=${encodeURIComponent(`TemporalScheduledById='${id}'`)}`,
  });
  const withLinks = (p: ProfileView) => ({ ...p, links: linksFor(p.id) });
  const one = { 200: { description: 'the profile and its schedule state', schema: profileView }, 404: { description: 'no such profile' } };

  r.get('/schedules', { summary: 'List collection profiles', tags, responses: { 200: { description: 'every profile', schema: z.object({ schedules: z.array(profileView) }) } } }, async (_in, _req, res) => {
    res.json({ schedules: (await listProfiles(temporal())).map(withLinks) });
  });
  r.post(
    '/schedules',
    {
      summary: 'Create a collection profile (a Temporal Schedule)',
      description: 'Sources are validated like POST /runs; give an interval, a 5-field cron, or both.',
      tags,
      body: createProfileSchema,
      responses: { 201: { description: 'created', schema: profileView }, 409: { description: 'a profile with this id exists' } },
    },
    async ({ body }, _req, res) => {
      const profile = await createProfile(temporal(), { ...body, sources: [...new Set(body.sources)] });
      res.status(201).location(`/api/v1/schedules/${profile.id}`).json(withLinks(profile));
    },
  );
  r.get('/schedules/:id', { summary: 'One profile with next and recent runs', tags, params: profileIdSchema, responses: one }, async ({ params }, _req, res) => {
    res.json(withLinks(await getProfile(temporal(), params.id)));
  });
  r.patch(
    '/schedules/:id',
    { summary: 'Change some fields of a profile', description: '`null` removes interval, cron, timezone or description.', tags, params: profileIdSchema, body: patchProfileSchema, responses: one },
    async ({ params, body }, _req, res) => {
      res.json(withLinks(await updateProfile(temporal(), params.id, body)));
    },
  );
  r.delete(
    '/schedules/:id',
    { summary: 'Delete a profile (runs already started go on)', tags, params: profileIdSchema, responses: { 204: { description: 'deleted' }, 404: { description: 'no such profile' } } },
    async ({ params }, _req, res) => {
      await deleteProfile(temporal(), params.id);
      res.status(204).end();
    },
  );
  for (const action of ['pause', 'unpause'] as const) {
    r.post(
      `/schedules/:id/${action}`,
      { summary: action === 'pause' ? 'Stop starting runs' : 'Start running on schedule again', tags, params: profileIdSchema, body: noteBody, responses: one },
      async ({ params, body }, _req, res) => {
        res.json(withLinks(await setPaused(temporal(), params.id, action === 'pause', body.note)));
      },
    );
  }
  r.post(
    '/schedules/:id/trigger',
    { summary: "Start a run now, under the profile's overlap policy unless overridden", tags, params: profileIdSchema, body: triggerBody, responses: { 202: { description: 'triggered', schema: accepted }, 404: { description: 'no such profile' } } },
    async ({ params, body }, _req, res) => {
      const overlap = await triggerProfile(temporal(), params.id, body.overlap);
      res.status(202).json({ id: params.id, triggered: true, overlap, links: linksFor(params.id) });
    },
  );
  r.post(
    '/schedules/:id/backfill',
    { summary: 'Take now the runs the schedule would have started between from and to', tags, params: profileIdSchema, body: backfillSchema, responses: { 202: { description: 'backfilling', schema: accepted }, 404: { description: 'no such profile' } } },
    async ({ params, body }, _req, res) => {
      const overlap = await backfillProfile(temporal(), params.id, new Date(body.from), new Date(body.to), body.overlap);
      res.status(202).json({ id: params.id, backfill: { from: body.from, to: body.to }, overlap, links: linksFor(params.id) });
    },
  );
  return r.router;
}
