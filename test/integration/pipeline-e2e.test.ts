import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startPipelineRun } from '../../services/runs';
import { evaluateRun } from '../../services/eval';
import type { RunProgress } from '../../workflows/types';
import { openTestStack, type RunningWorkers, type TestStack } from '../helpers/stack';

const DEV_CSV = path.resolve(__dirname, '../../../shared/data/news-stories-dev.csv');

const GOOD_RSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Example Science Desk</title><link>https://news.example.org/</link>
<description>Science headlines</description>
<item><title>Astronomers spot water vapour on a temperate exoplanet</title>
<link>https://news.example.org/2014/03/exoplanet-water?utm_source=rss</link>
<guid>https://news.example.org/2014/03/exoplanet-water</guid>
<pubDate>Tue, 11 Mar 2014 09:30:00 -0400</pubDate><description>&lt;p&gt;A team using the Hubble telescope found water.&lt;/p&gt;</description></item>
<item><title>New battery chemistry promises cheaper grid storage</title>
<link>https://news.example.org/2014/03/battery</link><guid>battery-2014</guid>
<pubDate>Tue, 11 Mar 2014 11:00:00 GMT</pubDate><description>Researchers describe a sodium-based cell.</description></item>
</channel></rss>`;

async function count(stack: TestStack, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await stack.db.query(sql, params);
  return Number((row as { n: string | number }).n);
}

describe('pipeline end to end on real Temporal, Postgres, LanceDB and USE embeddings', () => {
  let stack: TestStack;
  let workers: RunningWorkers;
  let feeds: http.Server;
  let feedBase: string;

  beforeAll(async () => {
    stack = await openTestStack('e2e');
    workers = await stack.startWorkers();
    feeds = http.createServer((req, res) => {
      if (req.url === '/good.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(GOOD_RSS);
      else if (req.url === '/broken.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end('<rss><channel><item><title>cut off');
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => feeds.listen(0, '127.0.0.1', () => r()));
    feedBase = `http://127.0.0.1:${(feeds.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await stack?.close();
    await new Promise((r) => feeds?.close(r));
  });

  async function run(sources: string[]): Promise<RunProgress> {
    const { runId } = await startPipelineRun(stack.client, { sources, window: 'all', trigger: 'manual' });
    return (await stack.client.workflow.getHandle(runId).result()) as RunProgress;
  }

  let first: RunProgress;
  let trendsAfterFirst: number[];

  it('imports the dev headlines once, clusters them close to the true stories, and summarizes every trend', async () => {
    first = await run([`csv:${DEV_CSV}`]);
    expect(first.status).toBe('completed');
    const items = await count(stack, 'SELECT count(*) AS n FROM items');
    // 2,413 rows, of which 8 repeat an earlier headline word for word: stored once.
    expect(items).toBe(2405);
    expect(first.stats.items.new).toBe(2405);
    expect(first.stats.items.duplicates).toBe(8);
    expect(await count(stack, `SELECT count(*) AS n FROM embeddings WHERE model_id = 'use-lite-512'`)).toBe(2405);
    const store = await workers.deps.getVectorStore();
    expect(await store.count('use-lite-512')).toBe(2405);

    const trends = await count(stack, `SELECT count(*) AS n FROM trends WHERE status = 'active'`);
    expect(trends).toBeGreaterThan(20);
    expect(await count(stack, 'SELECT count(*) AS n FROM summaries')).toBe(trends);
    expect(first.stats.summarize.done).toBe(trends);

    const report = await evaluateRun(stack.db, first.runId, { labelsPath: DEV_CSV, labelColumn: 'STORY', urlColumn: 'URL' });
    console.info(`dev-data eval: ${JSON.stringify(report)}`);
    expect(report.items).toBe(2405);
    expect(report.nmi).toBeGreaterThanOrEqual(0.8);
    trendsAfterFirst = (await stack.db.query(`SELECT id FROM trends WHERE status = 'active' ORDER BY id`)).map((r: { id: number }) => r.id);
  });

  it('a second import of the same file duplicates nothing and keeps every trend and summary', async () => {
    const counts = async () => ({
      items: await count(stack, 'SELECT count(*) AS n FROM items'),
      embeddings: await count(stack, 'SELECT count(*) AS n FROM embeddings'),
      members: await count(stack, 'SELECT count(*) AS n FROM trend_members'),
      summaries: await count(stack, 'SELECT count(*) AS n FROM summaries'),
    });
    const before = await counts();
    const second = await run([`csv:${DEV_CSV}`]);
    expect(second.status).toBe('completed');
    expect(second.stats.items.new).toBe(0);
    expect(second.stats.embed.embedded).toBe(0);
    expect(second.stats.summarize.total).toBe(0);
    expect(await counts()).toEqual(before);
    const trendsNow = (await stack.db.query(`SELECT id FROM trends WHERE status = 'active' ORDER BY id`)).map((r: { id: number }) => r.id);
    expect(trendsNow).toEqual(trendsAfterFirst);
    expect(await count(stack, 'SELECT count(*) AS n FROM cluster_assignments WHERE run_id = $1', [second.runId])).toBe(before.items);
  });

  it('a missing file and a malformed feed fail alone, with the reason recorded; the good feed still flows through', async () => {
    const result = await run([`csv:${path.join(stack.dataDir, 'no-such-file.csv')}`, `rss:${feedBase}/broken.xml`, `rss:${feedBase}/good.xml`]);
    expect(result.status).toBe('completed');
    expect(result.stats.sources).toEqual({ total: 3, done: 3, failed: 2 });
    const rows: Array<{ spec: string; status: string; error_type: string | null; error: string | null; inserted: number }> =
      await stack.db.query('SELECT spec, status, error_type, error, inserted FROM run_sources WHERE run_id = $1 ORDER BY spec', [result.runId]);
    const bySpec = Object.fromEntries(rows.map((r) => [r.spec.replace(feedBase, '').replace(stack.dataDir, ''), r]));
    expect(bySpec['csv:/no-such-file.csv']).toMatchObject({ status: 'failed', error_type: 'SourceNotFoundError' });
    expect(bySpec['csv:/no-such-file.csv']?.error).toContain('no-such-file.csv');
    expect(bySpec['rss:/broken.xml']).toMatchObject({ status: 'failed', error_type: 'SourceFormatError' });
    expect(bySpec['rss:/good.xml']).toMatchObject({ status: 'ok', inserted: 2 });
    const stored = await stack.db.query(`SELECT canonical_url FROM items WHERE canonical_url LIKE 'https://news.example.org/%' ORDER BY 1`);
    expect(stored.map((r: { canonical_url: string }) => r.canonical_url)).toEqual([
      'https://news.example.org/2014/03/battery',
      'https://news.example.org/2014/03/exoplanet-water',
    ]);
    expect(result.stats.embed.embedded).toBe(2);
  });
});
