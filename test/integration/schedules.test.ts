import path from 'node:path';
import pino from 'pino';
import { listen, type RunningApi } from '../../api/server';
import { loadConfig } from '../../config/config';
import { ValidationError } from '../../services/errors';
import { DEFAULT_PLACEHOLDER_SOURCE, ensureDefaultProfile, listProfiles, type ProfileView } from '../../services/schedules';
import { SA } from '../../workflows/search-attributes';
import type { RunProgress } from '../../workflows/types';
import { openTestStack, type TestStack } from '../helpers/stack';
import { documentedCommands, fill, runDocumented, temporalCli, terminateRunning, until } from './runbook-lib';

const SAMPLE_CSV = path.resolve(__dirname, '../fixtures/news-stories-sample.csv');
const SAMPLE_ROWS = 25;

interface Reply<T> {
  status: number;
  contentType: string;
  location: string | null;
  body: T;
}
interface Problem {
  status: number;
  title: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}
type View = ProfileView & { links: { self: string; temporalUi: string; runs: string } };

describe('collection profiles as Temporal Schedules', () => {
  const suffix = `${process.pid % 10000}-${Date.now() % 100000}`;
  const id = (name: string) => `${name}-${suffix}`;
  let stack: TestStack;
  let api: RunningApi;

  beforeAll(async () => {
    stack = await openTestStack('schedules');
    const workers = await stack.startWorkers();
    // Auth is another suite's subject; here it is off so the requests are about schedules only.
    const config = loadConfig({ ...envOf(stack), API_AUTH: 'disabled' });
    api = await listen(
      { config, db: stack.db, temporal: () => stack.client, vectorStore: workers.deps.getVectorStore, log: pino({ level: 'silent' }) },
      '127.0.0.1',
      0,
    );
  });

  afterAll(async () => {
    for (const p of await listProfiles(stack.client).catch(() => [])) {
      if (p.id.endsWith(suffix) || p.id === 'default') await stack.client.schedule.getHandle(p.id).delete().catch(() => undefined);
    }
    await terminateRunning(stack.client, ['run-auto-', 'run-ops-']).catch(() => undefined);
    await api?.close();
    await stack?.close();
  });

  function envOf(s: TestStack): Record<string, string> {
    return { TRENDFLOW_DATA_DIR: s.dataDir, DATABASE_URL: s.config.db.url ?? '', TEMPORAL_ADDRESS: s.config.temporal.address, LOG_LEVEL: 'warn' };
  }

  async function call<T>(method: string, urlPath: string, body?: unknown): Promise<Reply<T>> {
    const init: RequestInit = { method };
    if (body !== undefined) Object.assign(init, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await fetch(`${api.url}${urlPath}`, init);
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    return { status: res.status, contentType, location: res.headers.get('location'), body: (text && contentType.includes('json') ? JSON.parse(text) : text) as T };
  }

  function expectProblem(reply: Reply<unknown>, status: number): Problem {
    expect(reply.status).toBe(status);
    expect(reply.contentType).toMatch(/^application\/problem\+json/);
    return reply.body as Problem;
  }

  const hourly = (name: string, extra: object = {}) => ({ id: id(name), sources: [`csv:${SAMPLE_CSV}`], window: 'all', interval: '1h', ...extra });

  describe('the default profile of a first start', () => {
    it('is created paused on the placeholder feed when no sources are configured, and only once', async () => {
      // Another suite's profiles may still show for a moment in the eventually consistent schedule list.
      await until('no profiles in the namespace', async () => ((await listProfiles(stack.client)).length === 0 ? true : undefined), 30_000);
      expect(await ensureDefaultProfile(stack.client, [])).toBe('created-paused');
      const p = (await call<View>('GET', '/api/v1/schedules/default')).body;
      expect(p).toMatchObject({ id: 'default', paused: true, sources: [DEFAULT_PLACEHOLDER_SOURCE], interval: '1h', window: '24h', overlap: 'skip', catchupWindow: '1h' });
      expect(p.note).toMatch(/DEFAULT_PROFILE_SOURCES/);
      await until('the list to show it', async () => ((await listProfiles(stack.client)).length > 0 ? true : undefined));
      expect(await ensureDefaultProfile(stack.client, [`csv:${SAMPLE_CSV}`])).toBe('exists');
      await stack.client.schedule.getHandle('default').delete();
    });

    it('is created active with DEFAULT_PROFILE_SOURCES, and refuses invalid ones', async () => {
      await until('the list to be empty', async () => ((await listProfiles(stack.client)).length === 0 ? true : undefined), 30_000);
      await expect(ensureDefaultProfile(stack.client, ['ftp:nope'])).rejects.toBeInstanceOf(ValidationError);
      expect(await ensureDefaultProfile(stack.client, [`csv:${SAMPLE_CSV}`])).toBe('created');
      const p = (await call<View>('GET', '/api/v1/schedules/default')).body;
      expect(p).toMatchObject({ paused: false, sources: [`csv:${SAMPLE_CSV}`] });
      await stack.client.schedule.getHandle('default').delete();
    });
  });

  describe('validation', () => {
    const base = { id: 'valid-id', sources: [`csv:${SAMPLE_CSV}`], interval: '1h' };
    const cases: Array<[string, unknown, RegExp]> = [
      ['no interval and no cron', { id: 'x1', sources: base.sources }, /interval.*or a cron/],
      ['a cron with 4 fields', { ...base, interval: undefined, cron: '0 * * *' }, /cron: .*4 fields; expected 5/],
      ['a cron minute of 61', { ...base, cron: '61 * * * *' }, /cron: .*"61" is not a valid minute/],
      ['a cron day of week of 9', { ...base, cron: '0 0 * * 9' }, /day of week/],
      ['an interval like "soon"', { ...base, interval: 'soon' }, /interval: invalid duration "soon"/],
      ['an interval under 10s', { ...base, interval: '5s' }, /shorter than 10s/],
      ['an unknown source kind', { ...base, sources: ['ftp:x'] }, /sources\.0: unknown source kind "ftp"/],
      ['no sources', { ...base, sources: [] }, /sources: give at least one source spec/],
      ['a bad window', { ...base, window: '3x' }, /window: invalid window "3x"/],
      ['an unknown overlap policy', { ...base, overlap: 'sometimes' }, /overlap/],
      ['a catch-up window under 10s', { ...base, catchupWindow: '5s' }, /catchupWindow/],
      ['an unknown time zone', { ...base, cron: '0 9 * * MON-FRI', timezone: 'Mars/Olympus' }, /timezone/],
      ['an upper-case id', { ...base, id: 'Tech_News' }, /id: use 1-48 lower-case/],
      ['a reserved id', { ...base, id: 'manual' }, /id: this id is reserved/],
      ['an unknown field', { ...base, colour: 'blue' }, /colour/],
      ['a JSON array', [base], /object/],
    ];
    it.each(cases)('rejects %s with a 400 problem naming it', async (_what, body, detail) => {
      const p = expectProblem(await call('POST', '/api/v1/schedules', body), 400);
      expect(p.detail).toMatch(detail);
      expect(p.errors?.length).toBeGreaterThan(0);
    });

    it('accepts cron names, ranges, steps and lists', async () => {
      const reply = await call<View>('POST', '/api/v1/schedules', hourly('cron-ok', { interval: undefined, cron: '*/15 9-17 * JAN,JUL MON-FRI', timezone: 'Europe/Berlin' }));
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({ cron: '*/15 9-17 * JAN,JUL MON-FRI', timezone: 'Europe/Berlin' });
      expect(reply.body.interval).toBeUndefined();
      expect(reply.body.nextRuns.length).toBeGreaterThan(0);
    });
  });

  describe('create, read, update, delete', () => {
    it('creates a schedule with explicit defaults, a meaningful workflow id and typed search attributes', async () => {
      const reply = await call<View>('POST', '/api/v1/schedules', { ...hourly('crud'), window: undefined, description: 'test profile' });
      expect(reply.status).toBe(201);
      expect(reply.location).toBe(`/api/v1/schedules/${id('crud')}`);
      expect(reply.body).toMatchObject({
        id: id('crud'), description: 'test profile', window: '24h', interval: '1h', overlap: 'skip', catchupWindow: '1h',
        pauseOnFailure: false, paused: false, workflowIdPrefix: `run-${id('crud')}`,
      });
      expect(reply.body.links.runs).toContain(encodeURIComponent(`TemporalScheduledById='${id('crud')}'`));
      const desc = await stack.client.schedule.getHandle(id('crud')).describe();
      expect(desc.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 3_600_000, pauseOnFailure: false });
      expect(desc.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
      expect(desc.action).toMatchObject({ workflowType: 'trendPipelineWorkflow', taskQueue: 'trendflow-workflows', workflowId: `run-${id('crud')}` });
      expect(desc.action.args).toEqual([{ sources: [`csv:${SAMPLE_CSV}`], window: '24h', trigger: 'schedule' }]);
      const sa = desc.action.typedSearchAttributes;
      expect(sa && 'get' in sa ? [sa.get(SA.trigger), sa.get(SA.status), sa.get(SA.sources)] : sa).toEqual(['schedule', 'running', [`csv:${SAMPLE_CSV}`]]);
    });

    it('answers 409 for an id that exists and 404 for one that does not', async () => {
      expectProblem(await call('POST', '/api/v1/schedules', hourly('crud')), 409);
      const unknown = '/api/v1/schedules/not-a-profile';
      expectProblem(await call('GET', unknown), 404);
      expectProblem(await call('PATCH', unknown, { window: '1h' }), 404);
      expectProblem(await call('DELETE', unknown), 404);
      for (const action of ['pause', 'unpause', 'trigger']) expectProblem(await call('POST', `${unknown}/${action}`), 404);
      const range = { from: new Date(Date.now() - 7_200_000).toISOString(), to: new Date(Date.now() - 60_000).toISOString() };
      expectProblem(await call('POST', `${unknown}/backfill`, range), 404);
    });

    it('patches some fields, keeps the others and the paused state, and refuses a profile without a time', async () => {
      expect((await call<View>('POST', `/api/v1/schedules/${id('crud')}/pause`, { note: 'maintenance' })).body).toMatchObject({ paused: true, note: 'maintenance' });
      const patched = await call<View>('PATCH', `/api/v1/schedules/${id('crud')}`, { cron: '30 6 * * *', interval: null, window: '7d', overlap: 'buffer_one' });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ cron: '30 6 * * *', window: '7d', overlap: 'buffer_one', description: 'test profile', paused: true, note: 'maintenance' });
      expect(patched.body.interval).toBeUndefined();
      const desc = await stack.client.schedule.getHandle(id('crud')).describe();
      expect(desc.spec.intervals ?? []).toEqual([]);
      expect(desc.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 6, end: 6, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] });
      expect(desc.policies.overlap).toBe('BUFFER_ONE');
      expect(desc.action.args).toEqual([{ sources: [`csv:${SAMPLE_CSV}`], window: '7d', trigger: 'schedule' }]);

      expect(expectProblem(await call('PATCH', `/api/v1/schedules/${id('crud')}`, { cron: null }), 400).detail).toMatch(/interval.*or a cron/);
      expectProblem(await call('PATCH', `/api/v1/schedules/${id('crud')}`, {}), 400);
      expectProblem(await call('PATCH', `/api/v1/schedules/${id('crud')}`, { cron: 'every day' }), 400);
      expect((await call<View>('POST', `/api/v1/schedules/${id('crud')}/unpause`)).body).toMatchObject({ paused: false });
    });

    it('are described in the OpenAPI document by the schemas that validate them', async () => {
      const doc = (await call<{ paths: Record<string, Record<string, { requestBody?: unknown; 'x-undocumented'?: boolean }>> }>('GET', '/api/v1/openapi.json')).body;
      for (const [p, methods] of [['/api/v1/schedules', ['get', 'post']], ['/api/v1/schedules/{id}', ['get', 'patch', 'delete']], ['/api/v1/schedules/{id}/backfill', ['post']]] as const) {
        for (const m of methods) {
          expect(doc.paths[p]?.[m]).toBeDefined();
          expect(doc.paths[p]?.[m]?.['x-undocumented']).toBeUndefined();
        }
      }
      expect(JSON.stringify(doc.paths['/api/v1/schedules']?.post?.requestBody)).toContain('catchupWindow');
    });

    it('lists profiles with links, and deletes one', async () => {
      const listed = await until('the list to show the profile', async () => {
        const r = await call<{ schedules: View[] }>('GET', '/api/v1/schedules');
        return r.body.schedules.find((s) => s.id === id('crud'));
      });
      expect(listed.links).toMatchObject({ self: `/api/v1/schedules/${id('crud')}` });
      expect((await call('DELETE', `/api/v1/schedules/${id('crud')}`)).status).toBe(204);
      expectProblem(await call('GET', `/api/v1/schedules/${id('crud')}`), 404);
    });
  });

  describe('running', () => {
    it('a schedule created from the API runs on its own; its run is findable by id, search attributes and the documented command', async () => {
      expect((await call('POST', '/api/v1/schedules', hourly('auto', { interval: '10s' }))).status).toBe(201);
      const handle = stack.client.schedule.getHandle(id('auto'));
      const workflowId = await until('the first scheduled run', async () => (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId, 45_000);
      await handle.pause('the test has its run');
      expect(workflowId).toMatch(new RegExp(`^run-${id('auto')}-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
      const run = stack.client.workflow.getHandle(workflowId);
      const progress = (await run.result()) as RunProgress;
      expect(progress).toMatchObject({ status: 'completed', stats: { items: { fetched: SAMPLE_ROWS } } });

      const desc = await run.describe();
      const sa = desc.typedSearchAttributes;
      expect([sa.get(SA.status), sa.get(SA.trigger), sa.get(SA.sources), sa.get(SA.items)]).toEqual(['completed', 'schedule', [`csv:${SAMPLE_CSV}`], SAMPLE_ROWS]);
      expect(sa.get(SA.trends)).toBe(progress.stats.cluster.clusters);
      expect(desc.memo).toMatchObject({ profile: id('auto'), window: 'all', interval: '10s', stage: 'done' });
      expect(await desc.staticSummary()).toBe(`profile ${id('auto')}: 1 source(s), window all`);
      const [row] = await stack.db.query('SELECT trigger, status FROM runs WHERE id = $1', [workflowId]);
      expect(row).toEqual({ trigger: 'schedule', status: 'completed' });

      const documented = documentedCommands('runbook').find((c) => c.includes('TemporalScheduledById'));
      expect(documented).toBeDefined();
      const line = fill(documented ?? '', { 'schedule-id': id('auto') });
      const listed = await until('the documented command to list the run', async () => {
        const r = await runDocumented(line, temporalCli(), stack.config.temporal.address, stack.dataDir);
        expect(r.code).toBe(0);
        return r.stdout.includes(workflowId) ? r.stdout : undefined;
      }, 20_000);
      expect(listed).toContain('trendPipelineWorkflow');
    });

    it('triggers and backfills through the API, under the profile overlap policy unless overridden', async () => {
      expect((await call('POST', '/api/v1/schedules', hourly('ops'))).status).toBe(201);
      const handle = stack.client.schedule.getHandle(id('ops'));
      const taken = async () => (await handle.describe()).info.numActionsTaken;

      const t = await call<{ overlap: string; links: { runs: string } }>('POST', `/api/v1/schedules/${id('ops')}/trigger`);
      expect(t.status).toBe(202);
      expect(t.body.overlap).toBe('skip');
      await until('the triggered run', async () => ((await taken()) >= 1 ? true : undefined));
      expectProblem(await call('POST', `/api/v1/schedules/${id('ops')}/trigger`, { overlap: 'never' }), 400);
      await until('the schedule to be idle', async () => ((await handle.describe()).info.runningActions.length === 0 ? true : undefined), 120_000);

      const hour = 3_600_000;
      const bad: Array<[object, RegExp]> = [
        [{ from: new Date(Date.now() - hour).toISOString() }, /to/],
        [{ from: new Date(Date.now() - hour).toISOString(), to: new Date(Date.now() - 2 * hour).toISOString() }, /"from" must be before "to"/],
        [{ from: new Date(Date.now() - hour).toISOString(), to: new Date(Date.now() + 2 * hour).toISOString() }, /must not be in the future/],
        [{ from: 'yesterday', to: new Date().toISOString() }, /from/],
      ];
      for (const [body, detail] of bad) expect(expectProblem(await call('POST', `/api/v1/schedules/${id('ops')}/backfill`, body), 400).detail).toMatch(detail);

      const before = await taken();
      const b = await call<{ overlap: string }>('POST', `/api/v1/schedules/${id('ops')}/backfill`, {
        from: new Date(Date.now() - 3 * hour).toISOString(), to: new Date(Date.now() - 60_000).toISOString(), overlap: 'buffer_all',
      });
      expect(b.status).toBe(202);
      expect(b.body.overlap).toBe('buffer_all');
      // Three hourly times lie in the range; buffer_all takes each of them, one after another.
      await until('the backfilled runs', async () => ((await taken()) >= before + 3 ? true : undefined), 240_000);
    });
  });
});
