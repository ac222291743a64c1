/**
 * The LLM summary path end to end through the real workflow and workers, with a local
 * OpenAI-compatible HTTP server standing in for the remote API. The server answers per story:
 * good JSON, JSON in fences with chatter, malformed JSON, a refusal, a timeout, a 429 then good
 * JSON, a 400. It counts requests per story, so the test sees retries, fallbacks and cache hits.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { startPipelineRun } from '../../services/runs';
import type { PipelineParams, RunProgress } from '../../workflows/types';
import { openTestStack, type TestStack } from '../helpers/stack';

const DEV_CSV = path.resolve(__dirname, '../../../shared/data/news-stories-dev.csv');
const MODEL = 'local-test-model';
const USAGE = { prompt_tokens: 300, completion_tokens: 100, total_tokens: 400 };

type Behaviour = 'ok' | 'fenced' | 'malformed' | 'refusal' | 'timeout' | 'rate-limited-once' | 'bad-request';

/** Stories of the dev data whose first eight headlines cluster cleanly on their own, keyed by a short name. */
const STORIES: Record<string, string> = {
  fed: 'ddUyU0VZz0BRneMioxUPQVP6sIxvM',
  mcdonalds: 'd4lvRcSzuglGdFMmqvT6ZGcG8vDlM',
  mta: 'dEMAAHOiiULKoTMlQ5PeakjabUaYM',
  airlines: 'dqGernbFbzJ9-vM23ku_IW3-I2IPM',
  iphone: 'dENjWudk4jz-Q5M-zNA2AvBvlkO8M',
  gm: 'd6oHu5PfuD_389MzHgrh61KXagXnM',
  snowden: 'dqvpqdCv-IV7KrMD51wr0w-O_QIeM',
  zimmerman: 'd7RBEwyH92gFSrMjpl764nNfewB0M',
  netflix: 'd3kXivnxDhGfEXM79wRivOU0dncmM',
  dunham: 'dIAUryHj5P5xMKMj_WJbFcAQncTbM',
  swift: 'dqJSZAbIJ1RpWBMuWD0zH4dLp0drM',
};

/** Writes the first eight headlines of each named story to a CSV; returns it and a title → story map. */
function writeStories(dir: string, names: string[]): { file: string; storyOfTitle: Map<string, string> } {
  const text = fs.readFileSync(DEV_CSV, 'utf8');
  const header = (text.split('\n', 1)[0] ?? '').trim();
  const rows = parse(text, { columns: true, skip_empty_lines: true, relax_quotes: true }) as Array<Record<string, string>>;
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const storyOfTitle = new Map<string, string>();
  const lines = [header];
  for (const name of names) {
    for (const r of rows.filter((row) => row['STORY'] === STORIES[name]).slice(0, 8)) {
      storyOfTitle.set((r['TITLE'] ?? '').replace(/\s+/g, ' ').trim(), name);
      lines.push(header.split(',').map((c) => quote(r[c] ?? '')).join(','));
    }
  }
  const file = path.join(dir, `stories-${names.join('-')}.csv`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, storyOfTitle };
}

/** A chat-completions endpoint that behaves per story and counts what it was asked. */
class LocalLlmServer {
  readonly requests = new Map<string, number>();
  behaviour: Record<string, Behaviour> = {};
  storyOfTitle = new Map<string, string>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private storyOf(prompt: string): string {
    const votes = new Map<string, number>();
    for (const m of prompt.matchAll(/^\d+\. (.*) — .*$/gm)) {
      const story = this.storyOfTitle.get((m[1] ?? '').replace(/…$/, ''));
      if (story) votes.set(story, (votes.get(story) ?? 0) + 1);
    }
    return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'no such route' } }));
      return;
    }
    const request = JSON.parse(body) as { model: string; messages: Array<{ role: string; content: string }> };
    const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
    const story = this.storyOf(prompt);
    const attempt = (this.requests.get(story) ?? 0) + 1;
    this.requests.set(story, attempt);
    const first = /^1\. (.*) — /m.exec(prompt)?.[1] ?? 'the story';
    const json = JSON.stringify({
      title: `Summary of ${story}: ${first.slice(0, 60)}`,
      summary: `Several outlets report on ${story}. The coverage agrees on the main facts.`,
      keyPoints: [`${story} is in the news`, 'Coverage comes from several publishers', ' '],
      entities: [story, story, 'Reuters'],
    });
    const completion = (content: string | null, refusal: string | null = null) => ({
      id: `chatcmpl-${story}-${attempt}`,
      object: 'chat.completion',
      created: 1_394_470_000,
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal }, finish_reason: 'stop', logprobs: null }],
      usage: USAGE,
    });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    switch (this.behaviour[story] ?? 'ok') {
      case 'ok':
        return void send(200, completion(json));
      case 'fenced':
        return void send(200, completion(`Sure! Here is the summary you asked for:\n\`\`\`json\n${json}\n\`\`\`\nLet me know if you need more.`));
      case 'malformed':
        return void send(200, completion(json.slice(0, Math.floor(json.length / 2))));
      case 'refusal':
        return void send(200, completion(null, "I'm sorry, but I can't help with that request."));
      case 'timeout':
        return; // never answers; the client's timeout ends the request and stop() closes the socket
      case 'rate-limited-once':
        if (attempt === 1) return void send(429, { error: { message: 'Rate limit reached', type: 'requests' } }, { 'retry-after-ms': '200' });
        return void send(200, completion(json));
      case 'bad-request':
        return void send(400, { error: { message: `The model ${request.model} does not support this request`, type: 'invalid_request_error' } });
    }
  }
}

async function run(stack: TestStack, params: PipelineParams): Promise<RunProgress> {
  const { runId } = await startPipelineRun(stack.client, params);
  return (await stack.client.workflow.getHandle(runId).result()) as RunProgress;
}

interface SummaryRow {
  story: string;
  trend_id: number;
  method: string;
  model: string;
  prompt_version: string;
  tokens: { prompt: number; completion: number } | null;
  key_points: string[];
  entities: string[];
  title: string;
}

/** Each trend's summary with the story its members come from (every trend must hold exactly one story). */
async function summariesByStory(stack: TestStack, storyOfTitle: Map<string, string>): Promise<Map<string, SummaryRow>> {
  const rows: Array<Omit<SummaryRow, 'story'> & { titles: string[] }> = await stack.db.query(
    `SELECT s.trend_id, s.method, s.model, s.prompt_version, s.tokens, s.key_points, s.entities, s.title,
            array_agg(i.title) AS titles
     FROM summaries s JOIN trend_members m ON m.trend_id = s.trend_id JOIN items i ON i.id = m.item_id
     GROUP BY s.trend_id, s.method, s.model, s.prompt_version, s.tokens, s.key_points, s.entities, s.title`,
  );
  const out = new Map<string, SummaryRow>();
  for (const { titles, ...r } of rows) {
    const stories = new Set(titles.map((t) => storyOfTitle.get(t.replace(/\s+/g, ' ').trim())));
    expect(stories.size).toBe(1);
    const story = [...stories][0] as string;
    expect(out.has(story)).toBe(false);
    out.set(story, { story, ...r });
  }
  return out;
}

describe('LLM summaries through the workflow, with a local OpenAI-compatible server standing in for the remote API', () => {
  const llm = new LocalLlmServer();

  beforeAll(() => llm.start());
  afterAll(() => llm.stop());

  describe('per-story responses', () => {
    let stack: TestStack;
    let csv: string;
    const names = ['fed', 'mcdonalds', 'mta', 'airlines', 'iphone', 'gm', 'snowden'];

    beforeAll(async () => {
      stack = await openTestStack('trends_llm');
      const written = writeStories(stack.dataDir, names);
      csv = written.file;
      llm.storyOfTitle = written.storyOfTitle;
      llm.behaviour = {
        fed: 'ok', mcdonalds: 'fenced', mta: 'malformed', airlines: 'refusal', iphone: 'timeout', gm: 'rate-limited-once', snowden: 'bad-request',
      };
      await stack.startWorkers({ config: { ...stack.config, llm: { baseUrl: llm.url, model: MODEL, timeoutMs: 1000 } } });
    });

    afterAll(() => stack?.close());

    it('stores validated LLM summaries, retries 429/5xx/timeouts and junk, never 4xx, and falls back to extractive', async () => {
      const result = await run(stack, { sources: [`csv:${csv}`], window: 'all', trigger: 'manual' });
      expect(result.status).toBe('completed');
      const byStory = await summariesByStory(stack, llm.storyOfTitle);
      expect([...byStory.keys()].sort()).toEqual([...names].sort());

      for (const story of ['fed', 'mcdonalds', 'gm']) {
        const s = byStory.get(story) as SummaryRow;
        expect(s).toMatchObject({ method: 'llm', model: MODEL, prompt_version: 'trend-summary-v1', tokens: { prompt: 300, completion: 100 } });
        expect(s.title).toMatch(new RegExp(`^Summary of ${story}`));
        expect(s.key_points).toEqual([`${story} is in the news`, 'Coverage comes from several publishers']);
        expect(s.entities).toEqual([story, 'Reuters']);
      }
      for (const story of ['mta', 'airlines', 'iphone', 'snowden']) {
        expect(byStory.get(story)).toMatchObject({ method: 'extractive', model: 'extractive-v1', tokens: null });
      }
      // Three attempts (the activity's retry policy) for junk, refusals and timeouts; one for a 400.
      expect(Object.fromEntries(llm.requests)).toEqual({ fed: 1, mcdonalds: 1, gm: 2, mta: 3, airlines: 3, iphone: 3, snowden: 1 });
      expect(result.stats.summarize).toEqual({ total: 7, done: 7, cached: 0, fallbacks: 4, tokens: 3 * USAGE.total_tokens });
      expect(await stack.db.query(`SELECT calls, prompt_tokens, completion_tokens FROM run_llm_usage WHERE run_id = $1`, [result.runId])).toEqual([
        { calls: 3, prompt_tokens: 900, completion_tokens: 300 },
      ]);
    });

    it('on a rerun asks again only for trends without an LLM summary: the cache key is (prompt version, model, membership)', async () => {
      llm.behaviour = {};
      llm.requests.clear();
      const result = await run(stack, { sources: [`csv:${csv}`], window: 'all', trigger: 'manual' });
      expect(result.status).toBe('completed');
      expect(result.stats.items.new).toBe(0);
      expect(Object.fromEntries(llm.requests)).toEqual({ mta: 1, airlines: 1, iphone: 1, snowden: 1 });
      expect(result.stats.summarize).toMatchObject({ total: 4, done: 4, fallbacks: 0 });
      const byStory = await summariesByStory(stack, llm.storyOfTitle);
      for (const s of byStory.values()) expect(s.method).toBe('llm');

      llm.requests.clear();
      const third = await run(stack, { sources: [`csv:${csv}`], window: 'all', trigger: 'manual' });
      expect(third.stats.summarize.total).toBe(0);
      expect(llm.requests.size).toBe(0);
    });
  });

  describe('per-run token budget', () => {
    let stack: TestStack;

    afterAll(() => stack?.close());

    it('summarizes extractively once the run has spent its budget, and says so in the run stats', async () => {
      stack = await openTestStack('trends_llm_budget');
      const names = ['zimmerman', 'netflix', 'dunham', 'swift'];
      const { file, storyOfTitle } = writeStories(stack.dataDir, names);
      llm.storyOfTitle = storyOfTitle;
      llm.behaviour = {};
      llm.requests.clear();
      const budget = 2 * USAGE.total_tokens;
      await stack.startWorkers({ config: { ...stack.config, llm: { baseUrl: llm.url, model: MODEL, timeoutMs: 1000 }, llmTokenBudgetPerRun: budget } });
      // One trend at a time, so the budget check sees every earlier call's tokens.
      const result = await run(stack, { sources: [`csv:${file}`], window: 'all', trigger: 'manual', summarizeConcurrency: 1 });
      expect(result.status).toBe('completed');
      expect(result.stats.summarize).toEqual({ total: 4, done: 4, cached: 0, fallbacks: 0, tokens: budget, budgetFallbacks: 2 });
      const methods = [...(await summariesByStory(stack, storyOfTitle)).values()].map((s) => s.method).sort();
      expect(methods).toEqual(['extractive', 'extractive', 'llm', 'llm']);
      expect([...llm.requests.values()].reduce((a, b) => a + b, 0)).toBe(2);
      expect(await stack.db.query(`SELECT calls, budget_fallbacks FROM run_llm_usage WHERE run_id = $1`, [result.runId])).toEqual([
        { calls: 2, budget_fallbacks: 2 },
      ]);
    });
  });
});
