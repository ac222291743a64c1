import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProfileView } from '../../services/schedules';
import { openTestStack, type TestStack } from '../helpers/stack';
import { terminateRunning } from './runbook-lib';
import { runCli, type CliRun } from '../helpers/cli';

const SAMPLE_CSV = path.resolve(__dirname, '../fixtures/news-stories-sample.csv');

/**
 * `trendflow schedules …` in-process, as bin/trendflow.js would run it: the CLI reads its config from the
 * environment, so the test points TEMPORAL_ADDRESS at the test server for the duration of the suite.
 */
describe('trendflow schedules (CLI) against the test server', () => {
  const profile = `cli-${process.pid % 10000}-${Date.now() % 100000}`;
  const saved = { TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, TEMPORAL_UI_URL: process.env.TEMPORAL_UI_URL };
  let stack: TestStack;

  beforeAll(async () => {
    stack = await openTestStack('schedules_cli');
    await stack.startWorkers();
    process.env.TEMPORAL_ADDRESS = stack.config.temporal.address;
    process.env.TEMPORAL_UI_URL = 'http://ui.example:8233';
  });

  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await stack?.client.schedule.getHandle(profile).delete().catch(() => undefined);
    await terminateRunning(stack.client, [`run-${profile}`]).catch(() => undefined);
    await stack?.close();
  });

  const trendflow = (...args: string[]): Promise<CliRun> => runCli(['schedules', ...args]);

  async function json<T>(...args: string[]): Promise<T> {
    const r = await trendflow(...args, '--json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(r.stdout) as T;
  }

  it('creates a profile with relative file specs made absolute, and explicit defaults', async () => {
    const relative = path.relative(process.cwd(), SAMPLE_CSV);
    const p = await json<ProfileView>('create', profile, '--source', `csv:${relative}`, '--interval', '1h', '--window', 'all', '-d', 'from the CLI');
    expect(p).toMatchObject({
      id: profile, sources: [`csv:${SAMPLE_CSV}`], interval: '1h', window: 'all', overlap: 'skip', catchupWindow: '1h',
      description: 'from the CLI', paused: false, workflowIdPrefix: `run-${profile}`,
    });
  });

  it('fails with exit code 1 and says what to fix on invalid input', async () => {
    const noTime = await trendflow('create', `${profile}-x`, '--source', `csv:${SAMPLE_CSV}`);
    expect(noTime.code).toBe(1);
    expect(noTime.stderr).toMatch(/interval.*or a cron/);
    const badCron = await trendflow('update', profile, '--cron', '0 0 * *');
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toMatch(/4 fields; expected 5/);
    const taken = await trendflow('create', profile, '--source', `csv:${SAMPLE_CSV}`, '--interval', '1h');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/already exists/);
    const unknown = await trendflow('show', 'no-such-profile');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/profile "no-such-profile" does not exist/);
  });

  it('lists profiles for people and for scripts', async () => {
    // The schedule list is eventually consistent; the profile shows within a moment.
    let human = '';
    for (let i = 0; i < 40 && !human.includes(profile); i++, await sleep(250)) human = (await trendflow('list')).stdout;
    expect(human).toMatch(/^id\s+state\s+when\s+window/);
    expect(human).toMatch(new RegExp(`${profile}\\s+active\\s+every 1h\\s+all`));
    const all = await json<ProfileView[]>('list');
    expect(all.map((p) => p.id)).toContain(profile);
  });

  it('updates, pauses and unpauses, keeping what was not changed', async () => {
    const u = await json<ProfileView>('update', profile, '--cron', '0 */6 * * *', '--remove-interval', '--overlap', 'buffer_one', '--pause-on-failure');
    expect(u).toMatchObject({ cron: '0 */6 * * *', overlap: 'buffer_one', pauseOnFailure: true, window: 'all', description: 'from the CLI' });
    expect(u.interval).toBeUndefined();
    expect(await json<ProfileView>('pause', profile, '--note', 'quiet week')).toMatchObject({ paused: true, note: 'quiet week' });
    const shown = await trendflow('show', profile);
    expect(shown.stdout).toMatch(new RegExp(`profile ${profile}: PAUSED \\(quiet week\\)`));
    expect(shown.stdout).toContain('cron "0 */6 * * *"');
    expect(shown.stdout).toContain(`http://ui.example:8233/namespaces/default/schedules/${profile}`);
    expect(await json<ProfileView>('unpause', profile)).toMatchObject({ paused: false });
    expect(await json<ProfileView>('update', profile, '--interval', '1h', '--no-pause-on-failure')).toMatchObject({ interval: '1h', cron: '0 */6 * * *', pauseOnFailure: false });
  });

  it('triggers a run named after the profile, and backfills', async () => {
    expect(await json('trigger', profile, '--overlap', 'allow_all')).toEqual({ id: profile, triggered: true, overlap: 'allow_all' });
    let shown: ProfileView | undefined;
    for (let i = 0; i < 120 && !shown?.recentRuns.length; i++, await sleep(250)) shown = await json<ProfileView>('show', profile);
    const runId = shown?.recentRuns[0]?.workflowId ?? '';
    expect(runId).toMatch(new RegExp(`^run-${profile}-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
    await stack.client.workflow.getHandle(runId).result();

    const from = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const to = new Date(Date.now() - 60_000).toISOString();
    expect(await json('backfill', profile, '--from', from, '--to', to)).toEqual({ id: profile, backfill: { from, to }, overlap: 'buffer_one' });
    const future = await trendflow('backfill', profile, '--from', from, '--to', new Date(Date.now() + 3_600_000).toISOString());
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/must not be in the future/);
  });

  it('deletes the profile', async () => {
    expect(await json('delete', profile)).toEqual({ id: profile, deleted: true });
    expect((await trendflow('show', profile)).code).toBe(1);
  });
});
