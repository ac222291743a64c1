import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { loadConfig, type Config } from '../config/config';
import { databaseUrl } from '../config/database-url';
import { createLogger } from '../config/logger';
import { createDataSource } from '../db/data-source';
import { activityObservability } from '../observability/activity-interceptor';
import { installWorkerRuntime, startWorkerTelemetry } from '../observability/worker-telemetry';
import { TASK_QUEUES, type QueueName } from '../workflows/task-queues';
import { activitiesFor, defaultLazyDeps, type WorkerDeps } from './deps';

/** Per-queue slots: CPU-bound stages get few, I/O-bound stages many. */
export function concurrencyFor(queue: QueueName, config: Config): number {
  return queue === 'workflows' ? 20 : config.concurrency[queue];
}

/** A prebuilt bundle (npm run build) starts faster and is what production runs; dev/tests bundle on the fly. */
function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = path.resolve(__dirname, '..', 'workflow-bundle.js');
  if (fs.existsSync(bundle) && __filename.endsWith('.js')) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}

/** Creates the worker of one task queue; the workflow queue also runs the workflows. */
export async function createQueueWorker(
  connection: NativeConnection,
  namespace: string,
  queue: QueueName,
  deps: WorkerDeps,
): Promise<Worker> {
  const concurrency = concurrencyFor(queue, deps.config);
  return Worker.create({
    connection,
    namespace,
    taskQueue: TASK_QUEUES[queue],
    activities: activitiesFor(queue, deps),
    maxConcurrentActivityTaskExecutions: concurrency,
    // Heartbeats carry cancellation: without this cap a cancelled run could wait up to a minute to stop.
    maxHeartbeatThrottleInterval: '5 seconds',
    interceptors: deps.metrics ? { activity: [activityObservability(deps.metrics, deps.log)] } : undefined,
    ...(queue === 'workflows' ? workflowSource() : {}),
  });
}

/** Entry point body for `workers/<queue>.ts`: connect, serve until SIGINT/SIGTERM, then close cleanly. */
export async function runWorker(queue: QueueName): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, `worker:${queue}`);
  // Must precede the first connection: SDK logs through pino, SDK core metrics for Prometheus.
  const { coreMetricsUrl } = await installWorkerRuntime(config, log);
  const db = createDataSource({ url: databaseUrl(config), poolSize: concurrencyFor(queue, config) + 2 });
  await db.initialize();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  // One /metrics on WORKER_METRICS_PORT: this worker's pipeline/store metrics plus the SDK core's.
  const telemetry = await startWorkerTelemetry(config, db, coreMetricsUrl);
  const deps: WorkerDeps = { config, db, ...defaultLazyDeps(config, telemetry.metrics), metrics: telemetry.metrics, log };
  const worker = await createQueueWorker(connection, config.temporal.namespace, queue, deps);
  log.info({ taskQueue: TASK_QUEUES[queue], concurrency: concurrencyFor(queue, config), metrics: telemetry.url }, 'worker started');
  try {
    await worker.run(); // resolves after a shutdown signal, once in-flight tasks are done
  } finally {
    await connection.close();
    await telemetry.close();
    await db.destroy();
    const store = await deps.getVectorStore().catch(() => undefined);
    await store?.close();
    log.info('worker stopped');
  }
}

/** Shared `main` for the entry points: one run().catch() that logs and exits non-zero. */
export function main(queue: QueueName): void {
  runWorker(queue).catch((err: unknown) => {
    process.stderr.write(`worker ${queue} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
