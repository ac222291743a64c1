import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig, type Config } from '../../config/config';
import { openDatabase } from '../../db/data-source';
import { defaultLazyDeps, type WorkerDeps } from '../../workers/deps';
import { createQueueWorker } from '../../workers/run-worker';
import { TASK_QUEUES, type QueueName } from '../../workflows/task-queues';

export interface TestStack {
  config: Config;
  db: DataSource;
  client: Client;
  native: NativeConnection;
  dataDir: string;
  /** Starts real workers for every queue (or the given ones) with the real activities. */
  startWorkers(overrides?: Partial<WorkerDeps>, queues?: QueueName[]): Promise<RunningWorkers>;
  close(): Promise<void>;
}

export interface RunningWorkers {
  deps: WorkerDeps;
  stop(): Promise<void>;
}

/** Runs workers until stop(); each worker's run() promise is awaited so nothing is left polling. */
export async function runWorkers(workers: Worker[]): Promise<() => Promise<void>> {
  const running = workers.map((w) => w.run());
  return async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.all(running);
  };
}

/** SDK core logs at WARN: worker state changes at INFO drown the test output. Once per module registry. */
function installQuietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed for this test file
  }
}

/**
 * Connects a test file to the stack started in global setup, with a database of its own (fresh
 * schema via the real migrations), so test files never see each other's items or trends.
 */
export async function openTestStack(name: string): Promise<TestStack> {
  const baseUrl = process.env.TEST_DATABASE_URL;
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!baseUrl || !address) throw new Error('run through jest: global setup provides TEST_DATABASE_URL and TEST_TEMPORAL_ADDRESS');
  const dbName = `tf_${name.replace(/\W/g, '_')}_${process.pid}_${Date.now() % 100000}`;
  const admin = new PgClient({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  const url = baseUrl.replace(/\/[^/]+$/, `/${dbName}`);
  installQuietRuntime();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `trendflow-${name}-`));
  const config = loadConfig({
    TRENDFLOW_DATA_DIR: dataDir,
    DATABASE_URL: url,
    TEMPORAL_ADDRESS: address,
    LOG_LEVEL: 'warn',
    // Test receivers listen on 127.0.0.1, which production refuses (activities/notify/address-guard.ts).
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  });
  const db = await openDatabase(url);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const native = await NativeConnection.connect({ address });
  const started: RunningWorkers[] = [];

  return {
    config,
    db,
    client,
    native,
    dataDir,
    async startWorkers(overrides = {}, queues = Object.keys(TASK_QUEUES) as QueueName[]) {
      const deps: WorkerDeps = { config, db, ...defaultLazyDeps(config), ...overrides };
      const workers = await Promise.all(queues.map((q) => createQueueWorker(native, 'default', q, deps)));
      const stopWorkers = await runWorkers(workers);
      let stopped = false;
      const handle: RunningWorkers = {
        deps,
        async stop() {
          if (stopped) return;
          stopped = true;
          await stopWorkers();
          const store = await deps.getVectorStore().catch(() => undefined);
          await store?.close();
        },
      };
      started.push(handle);
      return handle;
    },
    async close() {
      for (const w of started) await w.stop();
      await native.close();
      await connection.close();
      await db.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
