import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { startApi } from '../api/server';
import { loadConfig, type Config } from '../config/config';
import { databaseUrl } from '../config/database-url';
import { openDatabase } from '../db/data-source';
import { AppError } from '../services/errors';
import { ensureDefaultProfile } from '../services/schedules';
import { startEmbeddedPostgres, type RunningPostgres } from '../db/embedded';
import { workerChildren } from '../workers/all';
import { supervise, type ChildSpec } from './supervisor';

const root = path.resolve(__dirname, '..', '..');

function reachable(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** First start: a `default` collection profile (Temporal Schedule) unless one exists; never fatal. */
async function ensureDefaultSchedule(config: Config, say: (line: string) => void): Promise<void> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    // A dev server that has just opened its port may still be registering the namespace.
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await ensureDefaultProfile(client, config.schedules.defaultSources);
        if (outcome === 'created') say('created the `default` profile (schedule) from DEFAULT_PROFILE_SOURCES, every 1h');
        if (outcome === 'created-paused') say('created the `default` profile PAUSED: set DEFAULT_PROFILE_SOURCES or `trendflow schedules update default --source …`, then unpause');
        return;
      } catch (err) {
        if (attempt >= 10 || err instanceof AppError) throw err; // AppError: bad DEFAULT_PROFILE_SOURCES, not transient
        await sleep(1000);
      }
    }
  } catch (err) {
    say(`could not ensure the default profile: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await connection?.close();
  }
}

/**
 * `npm start`: the whole stack on embedded defaults — Temporal dev server (SQLite in ./data), embedded
 * Postgres (./data/pg) unless DATABASE_URL is set, migrations, one worker process per task queue and
 * the API. Ctrl-C stops everything in reverse order.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  fs.mkdirSync(config.dataDir, { recursive: true });
  const say = (line: string) => process.stdout.write(`[trendflow] ${line}\n`);

  const children: ChildSpec[] = [];
  const temporalRunning = await reachable(config.temporal.address);
  if (!temporalRunning) {
    const port = config.temporal.address.split(':').pop() ?? '7233';
    children.push({
      name: 'temporal',
      command: path.join(root, 'scripts', 'temporal-dev.sh'),
      args: [],
      env: { TEMPORAL_PORT: port, TRENDFLOW_DATA_DIR: config.dataDir },
      restart: false,
    });
  } else say(`using the Temporal server already at ${config.temporal.address}`);

  let pg: RunningPostgres | undefined;
  if (!config.db.url) {
    say(`starting embedded Postgres (data in ${config.db.embeddedDir}, port ${config.db.embeddedPort})`);
    pg = await startEmbeddedPostgres({ dataDir: config.db.embeddedDir, port: config.db.embeddedPort, persistent: true });
  }
  const db = await openDatabase(databaseUrl(config)); // runs pending migrations
  await db.destroy();

  let shuttingDown = false;
  const temporalSup = supervise(children, (name, code) => {
    if (!shuttingDown) {
      say(`${name} exited with code ${code}; stopping the stack`);
      void shutdown(1);
    }
  });
  for (let i = 0; !(await reachable(config.temporal.address)); i++) {
    if (i > 120) throw new Error(`Temporal did not come up at ${config.temporal.address} within 60 s`);
    await sleep(500);
  }
  const workers = supervise(workerChildren(), () => undefined);
  const api = await startApi(config);
  await ensureDefaultSchedule(config, say);

  say(`API          ${api.url}/api/v1  (health: ${api.url}/ready)`);
  say(`Temporal UI  ${config.temporal.uiUrl}`);
  say('try:         npx trendflow run --source csv:../shared/data/news-stories-dev.csv --window all --wait');

  async function shutdown(code: number): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    say('stopping…');
    await api.close().catch(() => undefined);
    await workers.stop();
    await temporalSup.stop();
    await pg?.stop();
    process.exit(code);
  }
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
}

run().catch((err: unknown) => {
  process.stderr.write(`trendflow failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
