/**
 * A short fault-injection pass in CI: the runner of `npm run test:faults` (bench/faults/run.ts) cut
 * to a few runs: kill -9 of a worker of each pool in turn, the Temporal dev server killed and
 * restarted mid-run, Postgres stopped and started mid-run. Every run must complete and reproduce the
 * clean reference's item, embedding, membership and trend counts, with no duplicates. The full
 * suite (20 kill runs, hostile sources, bad LLM) is the documented script; its results are committed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const runner = path.join(root, 'dist', 'bench', 'faults', 'run.js');

/** Newest modification time of the .ts files under the folders the runner is built from. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  dirs.forEach((d) => walk(path.join(root, d)));
  return newest;
}

interface ScenarioResult {
  scenario: string;
  runs: number;
  completed: number;
  mismatches: number;
  mismatchDetails: string[];
  workerKills: number;
  finalCounts: { items: number; duplicateUrls: number; duplicateEmbeddings: number };
}

describe('fault injection (CI subset of npm run test:faults)', () => {
  it('completes every run with the reference counts through worker kills and Temporal/Postgres restarts', () => {
    // The runner starts compiled workers; `npm install` builds dist/, rebuild only when sources are newer.
    const built = fs.existsSync(runner) ? fs.statSync(runner).mtimeMs : 0;
    if (built < newestSource(['activities', 'workflows', 'workers', 'bench', 'db', 'config'])) {
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    }
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trendflow-faults-')), 'faults.json');
    const r = spawnSync(
      process.execPath,
      [runner, '--scenarios', 'kill,temporal,postgres', '--runs', '5', '--restart-runs', '1', '--rows', '150', '--out', out],
      { cwd: root, encoding: 'utf8', timeout: 15 * 60_000 },
    );
    if (r.status !== 0) throw new Error(`fault runner exited ${r.status}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    const report = JSON.parse(fs.readFileSync(out, 'utf8')) as { results: ScenarioResult[] };
    const byScenario = new Map(report.results.map((s) => [s.scenario, s]));
    expect([...byScenario.keys()].sort()).toEqual(['kill', 'postgres', 'reference', 'temporal']);
    for (const s of report.results) {
      expect({ scenario: s.scenario, completed: s.completed, mismatches: s.mismatchDetails }).toEqual({ scenario: s.scenario, completed: s.runs, mismatches: [] });
      expect(s.finalCounts.items).toBeGreaterThan(0);
      expect(s.finalCounts.duplicateUrls + s.finalCounts.duplicateEmbeddings).toBe(0);
    }
    // Five kill runs take each of the five pools down once.
    expect(byScenario.get('kill')?.workerKills).toBe(5);
  }, 20 * 60_000);
});
