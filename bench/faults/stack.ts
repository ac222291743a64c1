import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as PgClient } from 'pg';
import { startEmbeddedPostgres, type RunningPostgres } from '../../db/embedded';
import { TASK_QUEUES, type QueueName } from '../../workflows/task-queues';

const root = path.resolve(__dirname, '..', '..', '..');
export const QUEUES = Object.keys(TASK_QUEUES) as QueueName[];

/** A free loopback port, picked by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** Embedded Postgres that can be stopped and started again on the same data dir and port. */
export class FaultPostgres {
  private running: RunningPostgres | undefined;
  constructor(readonly dataDir: string, readonly port: number) {}
  get baseUrl(): string {
    return `postgres://trendflow:trendflow@127.0.0.1:${this.port}/trendflow`;
  }
  async start(): Promise<void> {
    this.running = await startEmbeddedPostgres({ dataDir: this.dataDir, port: this.port, persistent: true });
  }
  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
  }
  /** A fresh database on this server; returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const admin = new PgClient({ connectionString: this.baseUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    return this.baseUrl.replace(/\/[^/]+$/, `/${name}`);
  }
}

/** `temporal server start-dev` on a SQLite file; kill -9 and start again on the same file and port. */
export class FaultTemporal {
  private child: ChildProcess | undefined;
  private readonly cli = execFileSync(path.join(root, 'scripts', 'ensure-temporal.sh'), { encoding: 'utf8' }).trim();
  constructor(readonly dbFile: string, readonly port: number, private readonly logFile: string) {}
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const attrs = JSON.parse(fs.readFileSync(path.join(root, 'temporal-config', 'search-attributes.json'), 'utf8')) as Record<string, string>;
    const saArgs = Object.entries(attrs).filter(([k]) => !k.startsWith('_')).flatMap(([k, v]) => ['--search-attribute', `${k}=${v}`]);
    const out = fs.openSync(this.logFile, 'a');
    this.child = spawn(
      this.cli,
      ['server', 'start-dev', '--db-filename', this.dbFile, '--ip', '127.0.0.1', '--port', String(this.port), '--headless', '--log-level', 'warn', ...saArgs],
      { stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    await waitForPort(this.port, 60_000);
  }
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    this.child = undefined;
  }
}

interface WorkerProc {
  queue: QueueName;
  child: ChildProcess;
  restarts: number;
}

/** The five worker processes (`node dist/workers/<queue>.js`), restarted 500 ms after any exit, like the supervisor. */
export class WorkerPool {
  private readonly procs = new Map<QueueName, WorkerProc>();
  private stopping = false;
  kills = 0;
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly logFile: string) {}

  start(): void {
    for (const q of QUEUES) this.launch(q, 0);
  }

  private launch(queue: QueueName, restarts: number): void {
    const out = fs.openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [path.join(root, 'dist', 'workers', `${queue}.js`)], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.procs.set(queue, { queue, child, restarts });
    child.once('exit', () => {
      if (this.stopping) return;
      setTimeout(() => !this.stopping && this.launch(queue, restarts + 1), 500).unref();
    });
  }

  pid(queue: QueueName): number | undefined {
    return this.procs.get(queue)?.child.pid;
  }

  /** kill -9 one worker; the restart loop brings it back. */
  killOne(queue: QueueName): void {
    const p = this.procs.get(queue);
    if (p?.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      this.kills++;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.procs.values()].map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => (clearTimeout(t), resolve()));
            child.kill('SIGTERM');
          }),
      ),
    );
    this.procs.clear();
  }
}

/** Peak resident set (VmHWM, kB) of a live process, or undefined. */
export function peakRssKb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
