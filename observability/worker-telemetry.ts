import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import { freePort, startMetricsServer } from './metrics-server';
import { createPipelineMetrics, type PipelineMetrics } from './pipeline-metrics';
import { instrumentDataSource } from './store-metrics';
import { PinoTemporalLogger } from './temporal-logger';

/**
 * Installs the Temporal Runtime of a worker process; must precede its first connection. SDK logs go
 * through pino. With WORKER_METRICS_PORT set, the SDK core's Prometheus exporter binds a private
 * loopback port, which startWorkerTelemetry merges into the one public /metrics endpoint.
 */
export async function installWorkerRuntime(config: Config, log: Logger): Promise<{ coreMetricsUrl?: string }> {
  const corePort = config.workerMetrics ? await freePort('127.0.0.1') : undefined;
  Runtime.install({
    logger: new PinoTemporalLogger(log.child({ component: 'temporal-sdk' })),
    telemetryOptions: corePort ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${corePort}` } } } : undefined,
  });
  return corePort ? { coreMetricsUrl: `http://127.0.0.1:${corePort}/metrics` } : {};
}

export interface WorkerTelemetry {
  metrics: PipelineMetrics;
  /** Where Prometheus scrapes this worker; undefined when WORKER_METRICS_PORT is unset. */
  url?: string;
  close(): Promise<void>;
}

/** The worker's prom-client registry (pipeline, DB and vector store metrics) and its merged /metrics endpoint. */
export async function startWorkerTelemetry(config: Config, db: DataSource, coreMetricsUrl?: string): Promise<WorkerTelemetry> {
  const metrics = createPipelineMetrics({ db, llmPricePer1k: config.llmPricePer1k });
  const detach = instrumentDataSource(db, metrics.stores);
  const server = config.workerMetrics
    ? await startMetricsServer({
        host: config.workerMetrics.host,
        port: config.workerMetrics.port,
        registry: metrics.registry,
        upstream: coreMetricsUrl ? [coreMetricsUrl] : [],
      })
    : undefined;
  return {
    metrics,
    url: server?.url,
    async close() {
      detach();
      await server?.close();
    },
  };
}
