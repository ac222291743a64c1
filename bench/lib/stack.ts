import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as PgClient } from 'pg';
import { startEmbeddedPostgres, type RunningPostgres } from '../../db/embedded';
import { TASK_QUEUES, type QueueName } from '../../workflows/task-queues';

/**
 * The real stack as separate processes, for benches that need it (fault injection, end-to-end timing):
 * embedded Postgres, the `temporal` dev server and one `node dist/workers/<queue>.js` per task queue.
 */
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
export class BenchPostgres {
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
  /** The postmaster's pid (its backends are its children), found by the data dir on its command line. */
  postmasterPid(): number | undefined {
    return findProcess((cmdline) => /(^|\/)postgres\0/.test(cmdline) && cmdline.includes(`\0${this.dataDir}\0`));
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
export class TemporalDevServer {
  private child: ChildProcess | undefined;
  private readonly cli = execFileSync(path.join(root, 'scripts', 'ensure-temporal.sh'), { encoding: 'utf8' }).trim();
  constructor(readonly dbFile: string, readonly port: number, private readonly logFile: string) {}
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
  get pid(): number | undefined {
    return this.child?.pid;
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

export interface WorkerPoolOptions {
  /** Restart a worker 500 ms after it exits, like the supervisor (fault suite); off for timing runs, where an exit is a failure. */
  restart?: boolean;
  /** Node flags for one queue's worker only (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  execArgvFor?: (queue: QueueName) => string[];
  /** Called when a worker exits on its own (not through killOne or stop). */
  onExit?: (exit: { queue: QueueName; code: number | null; signal: string | null }) => void;
}

/** The five worker processes (`node dist/workers/<queue>.js`). */
export class WorkerPool {
  private readonly procs = new Map<QueueName, WorkerProc>();
  private stopping = false;
  kills = 0;
  /** Workers that exited on their own (not killed by killOne or stop), with their exit code or signal. */
  readonly exits: Array<{ queue: QueueName; code: number | null; signal: string | null }> = [];
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
    private readonly options: WorkerPoolOptions = { restart: true },
  ) {}

  start(): void {
    for (const q of QUEUES) this.launch(q, 0);
  }

  private launch(queue: QueueName, restarts: number): void {
    const out = fs.openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [...(this.options.execArgvFor?.(queue) ?? []), path.join(root, 'dist', 'workers', `${queue}.js`)], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.procs.set(queue, { queue, child, restarts });
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.exits.push({ queue, code, signal });
      this.options.onExit?.({ queue, code, signal });
      if (this.options.restart === false) return;
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

function readProc(pid: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/** The first live process whose NUL-separated command line matches. */
export function findProcess(match: (cmdline: string) => boolean): number | undefined {
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const cmdline = readProc(pid, 'cmdline');
    if (cmdline && match(cmdline)) return Number(pid);
  }
  return undefined;
}

/** A process and its live descendants (e.g. the postmaster and its backends). */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    // Field 4 of /proc/<pid>/stat is the parent; the command name before it may hold spaces, so split after ')'.
    const stat = readProc(pid, 'stat');
    const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN;
    if (Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(pid)]);
  }
  const out: number[] = [];
  const todo = [rootPid];
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Peaks of a process tree: the root's own, the largest process's, and their sum (an upper bound: shared pages count once per process). */
export function treePeaksKb(rootPid: number | undefined): { processes: number; rootKb: number; maxKb: number; sumKb: number } | undefined {
  if (!rootPid) return undefined;
  const peaks = processTree(rootPid).map((pid) => peakRssKb(pid) ?? 0);
  return { processes: peaks.length, rootKb: peaks[0] ?? 0, maxKb: Math.max(...peaks), sumKb: peaks.reduce((a, b) => a + b, 0) };
}

// /proc/<pid>/stat counts CPU time in clock ticks; USER_HZ is 100 on every Linux this runs on.
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a live process has used so far, or undefined. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  const stat = readProc(String(pid), 'stat');
  if (!stat) return undefined;
  // Fields after the ')' that ends the command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds of a process tree's live members (exited children are not counted). */
export function treeCpuSeconds(rootPid: number | undefined): number | undefined {
  if (!rootPid) return undefined;
  return processTree(rootPid).reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
}
