import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Summarizer, TrendSummary } from '../../activities/summarize/types';
import { failureType } from '../../observability/activity-interceptor';
import { startMetricsServer } from '../../observability/metrics-server';
import { createPipelineMetrics } from '../../observability/pipeline-metrics';
import { instrumentVectorStore, queryOperation } from '../../observability/store-metrics';
import { instrumentSummarizer } from '../../observability/summarizer-metrics';
import { PinoTemporalLogger } from '../../observability/temporal-logger';
import { capturedLogger } from '../helpers/api-client';
import type { VectorStore } from '../../vectors/vector-store';

const value = async (m: ReturnType<typeof createPipelineMetrics>, name: string, labels: Record<string, string>) => {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const hit = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return hit?.value;
};

describe('pipeline metrics', () => {
  it('counts collect outcomes per source', async () => {
    const m = createPipelineMetrics({ processMetrics: false });
    m.collected('rss:https://a.example/feed', { fetched: 10, inserted: 7, duplicates: 2, skipped: 1 });
    m.collected('rss:https://a.example/feed', { fetched: 5, inserted: 5, duplicates: 0, skipped: 0 });
    expect(await value(m, 'trendflow_items_collected_total', { source: 'rss:https://a.example/feed', outcome: 'fetched' })).toBe(15);
    expect(await value(m, 'trendflow_items_collected_total', { outcome: 'new' })).toBe(12);
    expect(await value(m, 'trendflow_items_collected_total', { outcome: 'skipped' })).toBe(1);
  });

  it('labels embedded items by source id without a database, and never throws', async () => {
    const m = createPipelineMetrics({ processMetrics: false });
    await m.embedded([3, 3, 4]);
    expect(await value(m, 'trendflow_items_embedded_total', { source: '3' })).toBe(2);
    await expect(m.clustered('run-x')).resolves.toBeUndefined(); // no db: nothing to read, no error
  });

  it('prices LLM tokens per model from the configured per-1k prices', async () => {
    const m = createPipelineMetrics({ processMetrics: false, llmPricePer1k: { prompt: 0.5, completion: 1.5 } });
    const summary: TrendSummary = { title: 't', summary: 's', keyPoints: [], method: 'llm', model: 'gpt-x', promptVersion: 'v1', tokens: { prompt: 2000, completion: 1000 } };
    const inner: Summarizer = { id: 'llm:gpt-x', model: 'gpt-x', promptVersion: 'v1', usesTokens: true, summarize: () => Promise.resolve(summary) };
    const wrapped = instrumentSummarizer(inner, m);
    expect(wrapped).toMatchObject({ id: 'llm:gpt-x', model: 'gpt-x', promptVersion: 'v1', usesTokens: true });
    await wrapped.summarize({ keywords: [], items: [] });
    await wrapped.summarize({ keywords: [], items: [] });
    expect(await value(m, 'trendflow_llm_tokens_total', { model: 'gpt-x', kind: 'prompt' })).toBe(4000);
    expect(await value(m, 'trendflow_llm_tokens_total', { model: 'gpt-x', kind: 'completion' })).toBe(2000);
    expect(await value(m, 'trendflow_llm_cost_usd_total', { model: 'gpt-x' })).toBeCloseTo(2 * (1 + 1.5), 10);
  });

  it('times vector store calls by operation and outcome, passing results and errors through', async () => {
    const m = createPipelineMetrics({ processMetrics: false });
    const store = {
      kind: 'fake',
      count: () => Promise.resolve(42),
      ping: () => Promise.reject(new Error('down')),
      close: () => Promise.resolve(),
    } as unknown as VectorStore;
    const timed = instrumentVectorStore(store, m.stores);
    expect(timed.kind).toBe('fake');
    expect(await timed.count('model')).toBe(42);
    await expect(timed.ping()).rejects.toThrow('down');
    await timed.close();
    const json = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'trendflow_vector_store_duration_seconds');
    const counts = json?.values.filter((v) => (v as { metricName?: string }).metricName === 'trendflow_vector_store_duration_seconds_count');
    expect(counts?.map((v) => [v.labels.operation, v.labels.outcome, v.value])).toEqual([
      ['count', 'ok', 1],
      ['ping', 'error', 1],
    ]);
  });
});

describe('labels', () => {
  it.each([
    ['SELECT 1', 'select'],
    ['  insert into x values (1)', 'insert'],
    ['UPDATE t SET a = 1', 'update'],
    ['WITH a AS (SELECT 1) SELECT * FROM a', 'other'],
    ['START TRANSACTION', 'other'],
  ])('%s is a %s', (sql, op) => expect(queryOperation(sql)).toBe(op));

  it('names failures by ApplicationFailure type, cancellation, or error class', () => {
    expect(failureType(ApplicationFailure.create({ message: 'x', type: 'SourceNotFoundError' }))).toBe('SourceNotFoundError');
    expect(failureType(new CancelledFailure('cancelled'))).toBe('Cancelled');
    expect(failureType(new TypeError('boom'))).toBe('TypeError');
    expect(failureType('string')).toBe('unknown');
  });
});

describe('worker /metrics endpoint', () => {
  let upstream: http.Server;
  let upstreamUrl: string;
  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end('# TYPE temporal_request counter\ntemporal_request{service_name="x"} 7\n'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/metrics`;
  });
  afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

  it('serves its registry followed by the upstream (SDK core) metrics, and survives a dead upstream', async () => {
    const m = createPipelineMetrics({ processMetrics: false });
    m.collected('csv:x', { fetched: 1, inserted: 1, duplicates: 0, skipped: 0 });
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: m.registry, upstream: [upstreamUrl, 'http://127.0.0.1:1/metrics'], upstreamTimeoutMs: 500 });
    try {
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/trendflow_items_collected_total\{source="csv:x",outcome="fetched"\} 1/);
      expect(text).toContain('temporal_request{service_name="x"} 7');
      expect(text).toMatch(/# http:\/\/127\.0\.0\.1:1\/metrics unavailable/);
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('Temporal logger on pino', () => {
  it('maps levels and keeps the metadata as JSON fields', () => {
    const { log, lines } = capturedLogger();
    const logger = new PinoTemporalLogger(log);
    logger.info('Activity completed', { workflowId: 'run-1', activityType: 'collectSource' });
    logger.warn('slow');
    logger.debug('hidden at info level');
    logger.log('ERROR', 'failed', { attempt: 2 });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'Activity completed'],
      [40, 'slow'],
      [50, 'failed'],
    ]);
    expect(lines[0]).toMatchObject({ workflowId: 'run-1', activityType: 'collectSource' });
  });
});
