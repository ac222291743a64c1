import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApi } from '../api/server';
import { loadConfig } from '../config/config';
import { databaseUrl } from '../config/database-url';
import { openDatabase } from '../db/data-source';
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
