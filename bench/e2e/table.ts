import type { E2eResults, SizeResult } from './run';
import { STAGES, type Stage } from './history';

/** Markdown tables of e2e results (printed by the bench, pasted into bench/README.md). */

const s = (msValue: number | undefined): string => (msValue === undefined ? '–' : (msValue / 1000).toFixed(1));
const stage = (r: SizeResult, name: Stage) => r.breakdown.stages.find((x) => x.stage === name);

function row(cells: Array<string | number>): string {
  return `| ${cells.join(' | ')} |`;
}

/** Time per size: end to end, busy time per stage (their sum plus overhead is the workflow's wall time), quality. */
export function timeTable(results: E2eResults): string {
  const head = ['n', 'stored', 'end to end s', ...STAGES.map((x) => `${x} s`), 'Temporal overhead s', 'trends', 'NMI', 'ARI', 'load 1m before→after'];
  const lines = results.sizes.map((r) => {
    const q = 'nmi' in r.quality ? r.quality : undefined;
    return row([
      r.n,
      r.items.stored,
      s(r.endToEndMs),
      ...STAGES.map((x) => s(stage(r, x)?.busyMs)),
      s(r.breakdown.temporalOverheadMs),
      r.trends,
      q ? q.nmi.toFixed(3) : 'n/a',
      q ? q.ari.toFixed(3) : 'n/a',
      `${r.loadAverage1m.before} → ${r.loadAverage1m.after}`,
    ]);
  });
  return [row(head), `|${head.map(() => '---').join('|')}|`, ...lines].join('\n');
}

/** Inside the stages: parallel work, queueing, the cold model load, retries. */
export function detailTable(results: E2eResults): string {
  const head = ['n', 'stage', 'activities', 'wall span s', 'busy s', 'exec sum s', 'wait sum s', 'wait max s', 'retries', 'exec by type s'];
  const lines = results.sizes.flatMap((r) =>
    r.breakdown.stages
      .filter((x) => x.activities > 0)
      .map((x) =>
        row([
          r.n,
          x.stage,
          x.activities,
          s(x.spanMs),
          s(x.busyMs),
          s(x.execSumMs),
          s(x.waitSumMs),
          s(x.waitMaxMs),
          x.retries,
          Object.entries(x.execByTypeMs).map(([t, v]) => `${t} ${s(v)}`).join(', '),
        ]),
      ),
  );
  return [row(head), `|${head.map(() => '---').join('|')}|`, ...lines].join('\n');
}

/** Peak RSS (VmHWM) per process, MB. */
export function memoryTable(results: E2eResults): string {
  const keys = [...new Set(results.sizes.flatMap((r) => Object.keys(r.peakRssMb)))];
  const head = ['n', ...keys];
  const lines = results.sizes.map((r) => row([r.n, ...keys.map((k) => r.peakRssMb[k] ?? '–')]));
  return [row(head), `|${head.map(() => '---').join('|')}|`, ...lines].join('\n');
}

/** CPU seconds per process during the run; their sum over the core count is a floor for a dedicated box. */
export function cpuTable(results: E2eResults): string {
  const keys = [...new Set(results.sizes.flatMap((r) => Object.keys(r.cpuSeconds ?? {})))];
  const head = ['n', ...keys, 'total', `total / ${results.machine.cpus} cores`];
  const lines = results.sizes.map((r) => {
    const total = Object.values(r.cpuSeconds ?? {}).reduce<number>((a, b) => a + (b ?? 0), 0);
    return row([r.n, ...keys.map((k) => r.cpuSeconds?.[k] ?? '–'), total.toFixed(1), (total / results.machine.cpus).toFixed(1)]);
  });
  return [row(head), `|${head.map(() => '---').join('|')}|`, ...lines].join('\n');
}

export function formatTable(results: E2eResults): string {
  return [timeTable(results), detailTable(results), cpuTable(results), memoryTable(results)].join('\n\n');
}
