import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Restart after an unexpected exit (workers); false for things whose exit ends the stack. */
  restart: boolean;
}

/**
 * Runs child processes with prefixed output, restarts crashed ones with backoff, and stops them all
 * (SIGTERM, then SIGKILL after a grace period) on stop(). Workers drain in-flight tasks on SIGTERM.
 */
export function supervise(specs: ChildSpec[], onFatal: (name: string, code: number | null) => void) {
  const running = new Map<string, ChildProcess>();
  let stopping = false;

  const launch = (spec: ChildSpec, attempt: number) => {
    const child = spawn(spec.command, spec.args, { env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    running.set(spec.name, child);
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${spec.name}] ${line}\n`));
    }
    const startedAt = Date.now();
    child.on('exit', (code, signal) => {
      running.delete(spec.name);
      if (stopping) return;
      if (!spec.restart) return onFatal(spec.name, code);
      // A child that ran for a while gets a fresh backoff; one that dies at once backs off up to 30 s.
      const next = Date.now() - startedAt > 60_000 ? 0 : attempt + 1;
      const delay = Math.min(30_000, 500 * 2 ** next);
      process.stdout.write(`[supervisor] ${spec.name} exited (${signal ?? code}); restarting in ${delay} ms\n`);
      setTimeout(() => !stopping && launch(spec, next), delay).unref();
    });
  };
  specs.forEach((s) => launch(s, 0));

  return {
    async stop(graceMs = 15_000): Promise<void> {
      stopping = true;
      await Promise.all(
        [...running.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
              child.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
