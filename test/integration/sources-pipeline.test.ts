import type { Config } from '../../config/config';
import { getRun } from '../../services/runs';
import { findSource, updateSource } from '../../services/sources';
import { startPipelineRun } from '../../services/runs';
import type { RunProgress } from '../../workflows/types';
import { openTestStack, type TestStack } from '../helpers/stack';
import { conditional, fixture, sendJson, sendText, startReplayServer, type ReplayServer } from '../unit/collect/replay-server';

const DIGEST_RSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>Hacker Digest</title>
<item><title>SQLite is not a toy database - Hacker Digest</title><link>https://digest.example.com/2024/05/sqlite-toy</link>
<guid>digest-1</guid><pubDate>Wed, 01 May 2024 14:00:00 +0200</pubDate><description>Why SQLite is enough for most apps.</description></item>
</channel></rss>`;

interface RunSourceRow {
  spec: string;
  status: string;
  fetched: number;
  inserted: number;
  duplicates: number;
  error_type: string | null;
  error: string | null;
}

describe('sources end to end: real collect activity, Postgres cursors, local servers standing in for HN, Reddit, GitHub, Lobsters, a feed and a web site', () => {
  let stack: TestStack;
  let remote: ReplayServer;
  let specs: string[];
  const itemsJson = JSON.parse(fixture('hn-items.json')) as Record<string, unknown>;

  beforeAll(async () => {
    stack = await openTestStack('sources_pipeline');
    remote = await startReplayServer({
      '/hn/v0/topstories.json': (_req, res) => sendJson(res, fixture('hn-topstories.json')),
      '/reddit/r/rust/hot.json': (_req, res, url) =>
        sendJson(res, fixture(url.searchParams.get('after') ? 'reddit-rust-hot-2.json' : 'reddit-rust-hot-1.json')),
      '/reddit/r/blocked/hot.json': (_req, res) => sendText(res, '<!doctype html><html><body>whoa there, pardner!</body></html>', 'text/html'),
      '/github/repos/nodejs/node/releases': conditional(fixture('github-releases.json'), 'application/json', 'W/"rel-1"'),
      '/lobsters/rss': conditional(fixture('lobsters.rss'), 'application/rss+xml', '"lob-1"'),
      '/digest.xml': conditional(DIGEST_RSS, 'application/rss+xml', '"dig-1"', 'Wed, 01 May 2024 12:00:00 GMT'),
      '/news/grid-batteries': conditional(fixture('article.html'), 'text/html; charset=utf-8', '"art-1"'),
    });
    for (const [id, doc] of Object.entries(itemsJson)) remote.route(`/hn/v0/item/${id}.json`, (_req, res) => sendJson(res, JSON.stringify(doc)));
    const b = remote.base;
    const config: Config = {
      ...stack.config,
      collect: {
        ...stack.config.collect,
        hostRate: 200, // one local host stands in for all of them; politeness is tested in the unit tests
        baseUrls: { hn: `${b}/hn/v0`, reddit: `${b}/reddit`, github: `${b}/github`, lobsters: `${b}/lobsters` },
      },
    };
    await stack.startWorkers({ config });
    specs = ['hn:top', 'reddit:rust', 'github:releases/nodejs/node', 'lobsters:', `rss:${b}/digest.xml`, `web:${b}/news/grid-batteries`, 'reddit:blocked'];
  });

  afterAll(async () => {
    await stack?.close();
    await remote?.close();
  });

  async function run(sources: string[]): Promise<RunProgress> {
    const { runId } = await startPipelineRun(stack.client, { sources, window: 'all', trigger: 'manual' });
    return (await stack.client.workflow.getHandle(runId).result()) as RunProgress;
  }

  async function runSources(runId: string): Promise<Record<string, RunSourceRow>> {
    const rows: RunSourceRow[] = await stack.db.query(
      'SELECT spec, status, fetched, inserted, duplicates, error_type, error FROM run_sources WHERE run_id = $1',
      [runId],
    );
    return Object.fromEntries(rows.map((r) => [r.spec.replace(remote.base, ''), r]));
  }

  const itemCount = async () => Number((await stack.db.query('SELECT count(*)::int AS n FROM items'))[0].n);

  it('collects six source kinds, fails the one that answers HTML alone, links the near-duplicate headline', async () => {
    const first = await run(specs);
    expect(first.status).toBe('completed');
    expect(first.stats.sources).toEqual({ total: 7, done: 7, failed: 1 });
    const bySpec = await runSources(first.runId);
    expect(bySpec['hn:top']).toMatchObject({ status: 'ok', fetched: 3, inserted: 3 });
    expect(bySpec['github:releases/nodejs/node']).toMatchObject({ status: 'ok', fetched: 2, inserted: 2 });
    expect(bySpec['web:/news/grid-batteries']).toMatchObject({ status: 'ok', inserted: 1 });
    expect(bySpec['reddit:blocked']).toMatchObject({ status: 'failed', error_type: 'SourceFormatError', error: expect.stringContaining('returned an HTML page') });
    // Reddit and Lobsters both carry the Rust 1.78 announcement under the same URL: stored once.
    expect((bySpec['reddit:rust']?.inserted ?? 0) + (bySpec['lobsters:']?.inserted ?? 0)).toBe(4);
    expect(await itemCount()).toBe(3 + 3 + 2 + 2 + 1 + 1 - 1);

    const view = await getRun(stack.db, stack.client, first.runId);
    expect(view.sources.find((s) => s.spec === 'reddit:blocked')).toMatchObject({ status: 'failed', errorType: 'SourceFormatError' });

    const hn = (await stack.db.query(`SELECT id, language, metadata, published_at, duplicate_of FROM items WHERE title = 'SQLite is not a toy database'`))[0];
    expect(hn).toMatchObject({ language: 'en', metadata: expect.objectContaining({ score: 312, comments: 148 }) });
    expect(hn.published_at).toEqual(new Date('2024-05-01T10:00:00Z'));
    const digest = (await stack.db.query(`SELECT id, duplicate_of FROM items WHERE canonical_url = 'https://digest.example.com/2024/05/sqlite-toy'`))[0];
    // Whichever of the two parallel sources stored first is the original; the other links to it.
    expect([hn.duplicate_of === digest.id, digest.duplicate_of === hn.id]).toContain(true);
    expect(hn.duplicate_of === null || digest.duplicate_of === null).toBe(true);
    const linked = Number((await stack.db.query('SELECT count(*)::int AS n FROM items WHERE duplicate_of IS NOT NULL'))[0].n);
    expect(linked).toBe(1);

    const cursor = (await stack.db.query(`SELECT cursor FROM sources WHERE spec = 'hn:top'`))[0].cursor as { seen: string[] };
    expect(cursor.seen).toHaveLength(6); // deleted, dead and missing ids too: not asked again
  });

  it('a second run fetches nothing new: list-only for HN, seen posts for Reddit, 304s for feeds, releases and the page', async () => {
    const before = { items: await itemCount(), requests: remote.requests.length };
    const second = await run(specs);
    expect(second.status).toBe('completed');
    expect(second.stats.items).toEqual({ fetched: 0, new: 0, duplicates: 0 });
    const bySpec = await runSources(second.runId);
    for (const spec of specs.map((s) => s.replace(remote.base, '')).filter((s) => s !== 'reddit:blocked')) {
      expect(bySpec[spec]).toMatchObject({ status: 'ok', fetched: 0, inserted: 0 });
    }
    expect(await itemCount()).toBe(before.items);
    const asked = remote.requests.slice(before.requests);
    expect(asked.filter((r) => r.pathname.startsWith('/hn/v0/item/'))).toEqual([]);
    for (const path of ['/lobsters/rss', '/digest.xml', '/news/grid-batteries', '/github/repos/nodejs/node/releases']) {
      const conditionalAsk = asked.find((r) => r.pathname === path);
      expect(conditionalAsk?.headers['if-none-match']).toBeDefined();
    }
    expect(asked.find((r) => r.pathname === '/digest.xml')?.headers['if-modified-since']).toBe('Wed, 01 May 2024 12:00:00 GMT');
  });

  it('a disabled source is refused without a request while the others run', async () => {
    const lobsters = await findSource(stack.db, 'lobsters:');
    await updateSource(stack.db, lobsters.id, { enabled: false });
    const before = remote.requests.length;
    const third = await run(['lobsters:', 'hn:top']);
    expect(third.status).toBe('completed');
    const bySpec = await runSources(third.runId);
    expect(bySpec['lobsters:']).toMatchObject({ status: 'failed', error_type: 'SourceDisabledError', error: expect.stringContaining('is disabled') });
    expect(remote.requests.slice(before).map((r) => r.pathname)).toEqual(['/hn/v0/topstories.json']);

    // Resetting the cursor makes the next run fetch everything again (stored items stay deduplicated).
    await updateSource(stack.db, lobsters.id, { enabled: true, resetCursor: true });
    const fourth = await run(['lobsters:']);
    expect((await runSources(fourth.runId))['lobsters:']).toMatchObject({ status: 'ok', fetched: 2, inserted: 0, duplicates: 2 });
  });
});
