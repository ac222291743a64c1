import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { listen, type RunningApi } from '../../api/server';
import { startPipelineRun } from '../../services/runs';
import { openTestStack, type TestStack } from '../helpers/stack';

// Debian's chromium, driven by playwright-core (which never downloads a browser of its own).
const CHROMIUM = '/usr/bin/chromium';
const SAMPLE_CSV = path.resolve(__dirname, '../fixtures/news-stories-sample.csv');
const SCREENSHOT = path.resolve(__dirname, '../artifacts/dashboard.png');

interface DbTrend {
  id: number;
  size: number;
  title: string;
  summary: string;
  keywords: Array<string | { term: string }>;
}

describe('web dashboard in headless Chromium, on data from a real run', () => {
  let stack: TestStack;
  let api: RunningApi;
  let browser: Browser;
  let page: Page;
  let runId: string;
  let trends: DbTrend[];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the dashboard test needs Debian's chromium (apt-get install -y chromium; .ci/run installs it)`);
    }
    stack = await openTestStack('dashboard');
    const workers = await stack.startWorkers();
    const log = pino({ level: 'silent' });
    api = await listen({ config: stack.config, db: stack.db, temporal: () => stack.client, vectorStore: workers.deps.getVectorStore, log }, '127.0.0.1', 0);

    // Started as the API starts runs (writes through HTTP need an API key, which is not the point here).
    ({ runId } = await startPipelineRun(stack.client, { sources: [`csv:${SAMPLE_CSV}`], window: 'all', trigger: 'api' }));
    await stack.client.workflow.getHandle(runId).result();

    trends = await stack.db.query(
      `SELECT t.id, t.size, s.title, s.summary, t.keywords FROM trends t JOIN summaries s ON s.trend_id = t.id
       WHERE t.status = 'active' ORDER BY t.size DESC, t.id`,
    );
    expect(trends.length).toBeGreaterThanOrEqual(2); // the sample holds two stories

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false, // runs as root in CI
      // Without these, Chromium keeps dialing Google's hosts, which this offline machine refuses.
      args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    await page.goto(`${api.url}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await stack?.close();
  });

  it('serves the page at / with a same-origin-only content security policy', async () => {
    const res = await fetch(`${api.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.title()).toBe('trendflow dashboard');
  });

  it('ui-config gives the Temporal Web UI address and namespace; timeline validates its input', async () => {
    const config = await (await fetch(`${api.url}/api/v1/ui-config`)).json();
    expect(config).toEqual({ temporalUiUrl: stack.config.temporal.uiUrl, namespace: 'default' });
    expect((await fetch(`${api.url}/api/v1/trends/999999/timeline`)).status).toBe(404);
    expect((await fetch(`${api.url}/api/v1/trends/${trends[0]!.id}/timeline?bucket=fortnight`)).status).toBe(400);
  });

  it('shows the API as ready in the header', async () => {
    await expect(page.locator('#api-status').textContent()).resolves.toBe('API: ready');
    await expect(page.locator('#api-status').getAttribute('data-state')).resolves.toBe('ok');
  });

  it("lists the run's trends, largest first, with their titles from the database", async () => {
    const titles = await page.locator('#trend-list .trend-title').allTextContents();
    expect(titles).toEqual(trends.map((t) => t.title));
    // Emerging: lifecycle status where the API has it, else newest first appearances; either way rendered.
    const emerging = await page.locator('#emerging-list li').allTextContents();
    expect(emerging.length).toBeGreaterThan(0);
    expect(emerging.join(' ')).not.toMatch(/Loading|Could not load/);
  });

  it('draws one chart line per top trend, its points adding up to the trend size', async () => {
    const series = page.locator('#chart svg g.series');
    await expect(series.count()).resolves.toBe(Math.min(trends.length, 6));
    for (const t of trends.slice(0, 6)) {
      const dots = await page.locator(`#chart g.series[data-trend-id="${t.id}"] circle.point`).all();
      const counts = await Promise.all(dots.map(async (d) => Number(await d.getAttribute('data-count'))));
      expect(counts.length).toBeGreaterThan(0);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(t.size);
    }
    await expect(page.locator('#chart-legend li').count()).resolves.toBe(Math.min(trends.length, 6));
  });

  it('links each run in the runs table to the Temporal Web UI', async () => {
    const link = page.locator(`#runs-table tr[data-run-id="${runId}"] a`);
    await expect(link.getAttribute('href')).resolves.toBe(`${stack.config.temporal.uiUrl}/namespaces/default/workflows/${runId}`);
    await expect(link.textContent()).resolves.toBe(runId);
    await expect(page.locator(`#runs-table tr[data-run-id="${runId}"] .badge`).textContent()).resolves.toBe('completed');
  });

  it("clicking a trend shows its summary, keywords and member items with links", async () => {
    const second = trends[1]!;
    await page.locator(`#trend-list button[data-trend-id="${second.id}"]`).click();
    await page.waitForSelector('#detail-title');
    await expect(page.locator('#detail-title').textContent()).resolves.toBe(second.title);
    await expect(page.locator('#detail-summary').textContent()).resolves.toBe(second.summary);
    await expect(page.locator('#detail .chips li').allTextContents()).resolves.toEqual(
      second.keywords.map((k) => (typeof k === 'string' ? k : k.term)),
    );
    const links = await page.locator('#detail ol.items a').all();
    const hrefs = await Promise.all(links.map((a) => a.getAttribute('href')));
    expect(hrefs).toHaveLength(second.size);
    for (const href of hrefs) expect(href).toMatch(/^https?:\/\//);
    await expect(page.locator(`#trend-list button[data-trend-id="${second.id}"]`).getAttribute('aria-current')).resolves.toBe('true');
  });

  it('the search box lists matching items from GET /api/v1/search', async () => {
    await page.fill('#search-input', 'Icahn eBay board nominees');
    await page.click('#search-form button[type="submit"]');
    await page.locator('#search-status', { hasText: /results? for/ }).waitFor({ timeout: 30_000 });
    const results = await page.locator('#search-list li a').allTextContents();
    expect(results.length).toBeGreaterThan(0);
    expect(results.join(' ')).toMatch(/icahn|ebay/i);
  });

  it('shows a run started elsewhere live, from the event stream, without a reload', async () => {
    await page.locator('#live-status[data-state="ok"]').waitFor({ timeout: 10_000 });
    await expect(page.locator('#live-status').textContent()).resolves.toBe('live');
    await page.evaluate("document.body.dataset.marker = 'before-run'"); // a reload would drop it
    const { runId: liveRunId } = await startPipelineRun(stack.client, { sources: [`csv:${SAMPLE_CSV}`], window: 'all', trigger: 'api' });
    await stack.client.workflow.getHandle(liveRunId).result();
    // Well inside the page's 20 s poll: the row comes from the run.completed event.
    await page.locator(`#runs-table tr[data-run-id="${liveRunId}"] .badge`, { hasText: 'completed' }).waitFor({ timeout: 5_000 });
    const [last] = (await stack.db.query(`SELECT max(id)::text AS id FROM events WHERE run_id = $1`, [liveRunId])) as Array<{ id: string }>;
    await page.locator(`#live-status[data-last-event-id="${last!.id}"]`).waitFor({ timeout: 5_000 });
    await expect(page.evaluate('document.body.dataset.marker')).resolves.toBe('before-run');
  });

  it('saves a full-page screenshot with no script errors on the page', async () => {
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    expect(pageErrors).toEqual([]);
  });
});
