import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';

/** Helpers for runbook.test.ts and schedules.test.ts: read the documented commands and run them for real. */

export const OPERATIONS_MD = path.resolve(__dirname, '../../docs/operations.md');

/** Every command line of the fenced blocks tagged ```sh <tag> (`runbook` or `tctl`), in document order. */
export function documentedCommands(tag: 'runbook' | 'tctl', markdown = fs.readFileSync(OPERATIONS_MD, 'utf8')): string[] {
  const commands: string[] = [];
  const block = new RegExp('^```sh ' + tag + '[ \\t]*\\n([\\s\\S]*?)^```', 'gm');
  for (const m of markdown.matchAll(block)) {
    for (const line of (m[1] ?? '').split('\n')) {
      const text = line.trim();
      if (text && !text.startsWith('#')) commands.push(text);
    }
  }
  return commands;
}

/** `temporal workflow list --query …` → `workflow list`; `… operator search-attribute create …` keeps three words. */
export function commandKind(command: string): string {
  const words = command.split(/\s+/).slice(1).filter((w) => !w.startsWith('-'));
  const depth = words[0] === 'operator' || words[0] === 'admin' ? 3 : 2;
  return words.slice(0, depth).join(' ');
}

/** What the issue asks the runbook to cover; each must appear in a ```sh runbook block. */
export const REQUIRED_KINDS = [
  'operator search-attribute create',
  'workflow list',
  'workflow describe',
  'workflow query',
  'workflow cancel',
  'workflow terminate',
  'workflow reset',
  'workflow show',
  'schedule list',
  'schedule describe',
  'schedule toggle',
  'schedule trigger',
  'schedule backfill',
  'schedule delete',
];
const TCTL_TO_TEMPORAL: Record<string, string> = {
  'admin cluster add-search-attributes': 'operator search-attribute create',
  'admin cluster get-search-attributes': 'operator search-attribute list',
};
/** The `temporal` kind of a documented `temporal` or `tctl` command. */
export const kindOf = (command: string) => TCTL_TO_TEMPORAL[commandKind(command)] ?? commandKind(command);

export const placeholdersOf = (command: string) => [...new Set([...command.matchAll(/<([a-z-]+)>/g)].map((m) => m[1] ?? ''))];

export function fill(command: string, values: Record<string, string>): string {
  return command.replace(/<([a-z-]+)>/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for placeholder ${whole} in: ${command}`);
    return value;
  });
}

/** The value of `--query "…"` in a command. */
export function queryOf(command: string): string {
  const m = /--query\s+"([^"]*)"/.exec(command);
  if (!m?.[1]) throw new Error(`no --query "…" in: ${command}`);
  return m[1];
}

/** Polls `probe` until it returns something other than undefined. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(250)) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

export interface CliResult {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

/** The `temporal` CLI the stack uses (PATH, then .tools/, installing it if needed), as global setup finds it. */
export function temporalCli(): string {
  return execFileSync(path.resolve(__dirname, '../../scripts/ensure-temporal.sh'), { encoding: 'utf8' }).trim();
}

/** A `tctl` binary if one is installed (TCTL, then PATH); null when there is none. */
export function tctlCli(): string | null {
  const candidates = [process.env.TCTL, ...(process.env.PATH ?? '').split(':').map((dir) => path.join(dir, 'tctl'))];
  return candidates.find((c): c is string => !!c && fs.existsSync(c)) ?? null;
}

/**
 * Runs a documented command line through bash, exactly as written, with `binary` first on PATH and the
 * test server's address: `--address` for `temporal` (a flag every command takes), TEMPORAL_CLI_ADDRESS
 * for `tctl` (whose global flags must precede the command). HOME is a temp dir so no user config leaks in.
 */
export function runDocumented(command: string, binary: string, address: string, home: string): Promise<CliResult> {
  const isTemporal = command.startsWith('temporal ');
  const line = isTemporal ? `${command} --address ${address}` : command;
  const env = {
    PATH: `${path.dirname(binary)}:${process.env.PATH ?? ''}`,
    HOME: home,
    TEMPORAL_CLI_ADDRESS: address,
    NO_COLOR: '1',
  };
  return new Promise((resolve) => {
    // tctl prompts on some admin commands; "y" on stdin answers it, and `temporal` ignores stdin.
    const child = execFile('bash', ['-c', line], { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ command: line, code, stdout, stderr });
    });
    child.stdin?.end('y\n');
  });
}

/**
 * Terminates this suite's runs that are still going, so a later suite's workers (same task queues, other
 * database) never pick them up.
 */
export async function terminateRunning(client: Client, workflowIdPrefixes: string[]): Promise<void> {
  for (const prefix of workflowIdPrefixes) {
    const query = `ExecutionStatus='Running' AND WorkflowId STARTS_WITH '${prefix}'`;
    for await (const wf of client.workflow.list({ query })) {
      await client.workflow.getHandle(wf.workflowId).terminate('test cleanup').catch(() => undefined);
    }
  }
}
