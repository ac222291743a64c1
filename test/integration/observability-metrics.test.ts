import fs from 'node:fs';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import { listen, type RunningApi } from '../../api/server';
import { freePort, startMetricsServer, type RunningMetricsServer } from '../../observability/metrics-server';
import { createPipelineMetrics, type PipelineMetrics } from '../../observability/pipeline-metrics';
import { alertExpressions, exportedNames, grafanaExpressions, metricNamesInExpr } from '../../observability/promql';
import { instrumentDataSource } from '../../observability/store-metrics';
import { PinoTemporalLogger } from '../../observability/temporal-logger';
import { defaultLazyDeps } from '../../workers/deps';
import { call, capturedLogger } from '../helpers/api-client';
import { openTestStack, type TestStack } from '../helpers/stack';

const SAMPLE_CSV = path.resolve(__dirname, '../fixtures/news-stories-sample.csv');
const SAMPLE_ROWS = 25;
const DOCKER = path.resolve(__dirname, '../../docker');

/** Prometheus's own synthetic series; every other name must come from a trendflow process. */
const PROMETHEUS_BUILTINS = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** The value of one sample line, e.g. `name{a="b"} 3`, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('observability on the real stack: worker metrics, SDK core metrics, logs, dashboards and alerts', () => {
  const captured = capturedLogger();
  let stack: TestStack;
  let metrics: PipelineMetrics;
  let detachDb: () => void;
  let server: RunningMetricsServer;
  let api: RunningApi;
  let okRun: string;
  let failedRun: string;
  let workerText: string;
  let apiText: string;

  beforeAll(async () => {
    // As workers/run-worker.ts does: the SDK core's exporter on a private port, merged into one /metrics.
    const corePort = await freePort();
    Runtime.install({
      logger: new PinoTemporalLogger(captured.log.child({ component: 'temporal-sdk' })),
      telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${corePort}` } } },
    });
    stack = await openTestStack('observability');
    metrics = createPipelineMetrics({ db: stack.db });
    detachDb = instrumentDataSource(stack.db, metrics.stores);
    const { getVectorStore } = defaultLazyDeps(stack.config, metrics);
    const workers = await stack.startWorkers({ metrics, log: captured.log, getVectorStore });
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: metrics.registry, upstream: [`http://127.0.0.1:${corePort}/metrics`] });
    api = await listen(
      { config: stack.config, db: stack.db, temporal: () => stack.client, vectorStore: workers.deps.getVectorStore, log: captured.log, auth: { mode: 'disabled' } },
      '127.0.0.1',
      0,
    );
    const start = async (spec: string) => {
      const reply = await call<{ runId: string }>(api.url, '/api/v1/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sources: [spec], window: 'all' }),
      });
      expect(reply.status).toBe(202);
      return reply.body.runId;
    };
    okRun = await start(`csv:${SAMPLE_CSV}`);
    await stack.client.workflow.getHandle(okRun).result();
    failedRun = await start(`csv:${path.join(stack.dataDir, 'missing.csv')}`);
    await expect(stack.client.workflow.getHandle(failedRun).result()).rejects.toThrow();
    workerText = await (await fetch(server.url)).text();
    apiText = (await call<string>(api.url, '/metrics')).body;
  });

  afterAll(async () => {
    await api?.close();
    await server?.close();
    await stack?.close();
    detachDb?.();
  });

  it('counts items collected, embedded and clustered per source', () => {
    const source = `csv:${SAMPLE_CSV}`;
    expect(sample(workerText, 'trendflow_items_collected_total', { source, outcome: 'fetched' })).toBe(SAMPLE_ROWS);
    expect(sample(workerText, 'trendflow_items_collected_total', { source, outcome: 'new' })).toBe(SAMPLE_ROWS);
    expect(sample(workerText, 'trendflow_items_embedded_total', { source })).toBe(SAMPLE_ROWS);
    const clustered = sample(workerText, 'trendflow_items_clustered_total', { source }) ?? 0;
    expect(clustered).toBeGreaterThan(0);
    expect(clustered).toBeLessThanOrEqual(SAMPLE_ROWS);
  });

  it('times every stage and counts failures by error type', () => {
    for (const activity of ['startRun', 'collectSource', 'planEmbedBatches', 'embedBatch', 'clusterWindow', 'summarizeTrend', 'finalizeRun']) {
      const n = sample(workerText, 'trendflow_activity_duration_seconds_count', { activity, outcome: 'completed' });
      expect({ activity, n: (n ?? 0) > 0 }).toEqual({ activity, n: true });
    }
    expect(sample(workerText, 'trendflow_activity_failures_total', { activity: 'collectSource', error_type: 'SourceNotFoundError' })).toBe(1);
    expect(sample(workerText, 'trendflow_activity_duration_seconds_count', { activity: 'collectSource', outcome: 'failed' })).toBe(1);
  });

  it('measures Postgres and vector store latency in workers and the API', () => {
    expect(sample(workerText, 'trendflow_db_query_duration_seconds_count', { operation: 'select', outcome: 'ok' }) ?? 0).toBeGreaterThan(0);
    expect(sample(workerText, 'trendflow_db_query_duration_seconds_count', { operation: 'insert', outcome: 'ok' }) ?? 0).toBeGreaterThan(0);
    expect(sample(workerText, 'trendflow_vector_store_duration_seconds_count', { operation: 'upsert', outcome: 'ok' }) ?? 0).toBeGreaterThan(0);
    expect(sample(apiText, 'trendflow_db_query_duration_seconds_count', { operation: 'select', outcome: 'ok' }) ?? 0).toBeGreaterThan(0);
  });

  it('serves the Temporal SDK core metrics of the same worker on the same endpoint', () => {
    expect(workerText).toMatch(/^temporal_activity_execution_latency_bucket\{/m);
    expect(workerText).toMatch(/^temporal_workflow_completed\{/m);
  });

  it('logs each activity attempt as JSON with the run (workflow) id, activity, attempt and duration', () => {
    const done = captured.lines.find((l) => l.msg === 'activity completed' && l.workflowId === okRun && l.activity === 'collectSource');
    expect(done).toMatchObject({ attempt: 1, workflowRunId: expect.any(String), ms: expect.any(Number), level: 30 });
    const failed = captured.lines.find((l) => l.msg === 'activity failed' && l.workflowId === failedRun);
    expect(failed).toMatchObject({ activity: 'collectSource', errorType: 'SourceNotFoundError', level: 40 });
    const request = captured.lines.find((l) => l.msg === 'request' && l.route === '/api/v1/runs' && l.method === 'POST');
    expect(request).toMatchObject({ status: 202, requestId: expect.any(String) });
  });

  it('Grafana dashboards and alert rules query only metrics that really exist', () => {
    const exported = new Set([...exportedNames(workerText), ...exportedNames(apiText), ...PROMETHEUS_BUILTINS]);
    const dashboards = fs.readdirSync(path.join(DOCKER, 'grafana', 'dashboards')).filter((f) => f.endsWith('.json'));
    expect(dashboards.length).toBeGreaterThan(0);
    const referenced = new Map<string, string>(); // name -> where
    for (const file of dashboards) {
      const exprs = grafanaExpressions(JSON.parse(fs.readFileSync(path.join(DOCKER, 'grafana', 'dashboards', file), 'utf8')));
      expect(exprs.length).toBeGreaterThan(0);
      for (const e of exprs) for (const n of metricNamesInExpr(e)) referenced.set(n, `${file}: ${e}`);
    }
    const rules = fs.readFileSync(path.join(DOCKER, 'prometheus', 'alerts.yml'), 'utf8');
    const alertExprs = alertExpressions(rules);
    expect(alertExprs.length).toBe((rules.match(/^\s*-\s+alert:/gm) ?? []).length);
    for (const e of alertExprs) for (const n of metricNamesInExpr(e)) referenced.set(n, `alerts.yml: ${e}`);
    expect(referenced.size).toBeGreaterThan(10);
    const missing = [...referenced].filter(([n]) => !exported.has(n)).map(([n, where]) => `${n} (${where})`);
    expect(missing).toEqual([]);
  });
});
