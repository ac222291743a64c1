import fs from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { STAGES } from './history';
import type { E2eResults } from './run';
import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };

/**
 * The e2e chart: where the time goes per size (stacked busy time per stage plus Temporal overhead, which
 * add up to the workflow's wall time, per 1,000 items), and clustering time against n on log-log axes with n·log n and n²
 * references through the first point. vega/vega-lite render SVG headlessly; resvg turns it into a PNG.
 */

interface ScalingPoint {
  n: number;
  seconds: number;
}

const FONT = 'DejaVu Sans';
const label = (n: number): string => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

/** `{ points: [{ n, seconds }] }` written by bench/cluster-scaling.ts, when it has been run. */
function readClusterScaling(file: string): ScalingPoint[] {
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { points?: Array<Partial<ScalingPoint>> };
    return (doc.points ?? []).flatMap((p) => (typeof p.n === 'number' && typeof p.seconds === 'number' && p.n > 0 && p.seconds > 0 ? [{ n: p.n, seconds: p.seconds }] : []));
  } catch {
    return [];
  }
}

/** c·f(n) through `anchor`, sampled geometrically over [from, to] for a smooth line on log axes. */
function reference(name: string, f: (n: number) => number, anchor: ScalingPoint, from: number, to: number) {
  const c = anchor.seconds / f(anchor.n);
  const steps = 24;
  return Array.from({ length: steps + 1 }, (_, k) => {
    const n = from * (to / from) ** (k / steps);
    return { series: name, n, seconds: c * f(n) };
  });
}

export function chartSpec(results: E2eResults, scaling: ScalingPoint[]): TopLevelSpec {
  const order = [...STAGES, 'Temporal overhead'];
  const stacked = results.sizes.flatMap((r) => [
    ...r.breakdown.stages.map((x) => ({ n: label(r.n), nValue: r.n, part: x.stage, seconds: x.busyMs / r.n, order: order.indexOf(x.stage) })),
    { n: label(r.n), nValue: r.n, part: 'Temporal overhead', seconds: r.breakdown.temporalOverheadMs / r.n, order: order.length - 1 },
  ]);
  const e2eCluster = results.sizes.map((r) => ({
    series: 'cluster stage (e2e, busy time)',
    n: r.n,
    seconds: Math.max((r.breakdown.stages.find((x) => x.stage === 'cluster')?.busyMs ?? 0) / 1000, 0.001),
  }));
  const pure = scaling.map((p) => ({ series: 'clusterEmbeddings (bench/cluster-scaling)', ...p }));
  const measured = [...pure, ...e2eCluster].filter((p) => p.seconds > 0);
  const anchor = [...(pure.length > 0 ? pure : e2eCluster)].sort((a, b) => a.n - b.n)[0];
  const ns = measured.map((p) => p.n);
  const refs = anchor
    ? [
        ...reference('n·log n reference', (n) => n * Math.log(n), anchor, Math.min(...ns), Math.max(...ns)),
        ...reference('n² reference', (n) => n * n, anchor, Math.min(...ns), Math.max(...ns)),
      ]
    : [];
  const color = { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 1, labelLimit: 400 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: { font: FONT, view: { stroke: null } },
    hconcat: [
      {
        // Per 1,000 items, so sizes 100× apart share one axis: equal bars mean linear cost.
        title: 'Seconds per 1,000 items: busy time per stage + Temporal overhead',
        width: 300,
        height: 260,
        layer: [
          {
            data: { values: stacked },
            mark: 'bar',
            encoding: {
              x: { field: 'n', type: 'ordinal', sort: { field: 'nValue' }, title: 'items (n)', axis: { labelAngle: 0 } },
              y: { field: 'seconds', type: 'quantitative', aggregate: 'sum', title: 'seconds per 1,000 items' },
              color: { field: 'part', type: 'nominal', sort: order, title: null, legend: { orient: 'bottom', columns: 3 } },
              order: { field: 'order' },
            },
          },
          // The goal is for 10k items; the rule shows it against every size.
          {
            data: { values: [{ seconds: 6, text: '10k goal: 60 s = 6 s per 1,000' }] },
            layer: [
              { mark: { type: 'rule', strokeDash: [6, 4], color: 'black' }, encoding: { y: { field: 'seconds', type: 'quantitative' } } },
              { mark: { type: 'text', align: 'left', dx: 4, dy: -6, x: 0 }, encoding: { y: { field: 'seconds', type: 'quantitative' }, text: { field: 'text' } } },
            ],
          },
        ],
      },
      {
        title: 'Clustering time vs n (log-log)',
        width: 300,
        height: 260,
        layer: [
          {
            data: { values: refs },
            mark: { type: 'line', strokeDash: [4, 3], strokeWidth: 1.5 },
            encoding: { x: { field: 'n', type: 'quantitative', scale: { type: 'log' }, title: 'items (n)' }, y: { field: 'seconds', type: 'quantitative', scale: { type: 'log' }, title: 'seconds' }, color },
          },
          {
            data: { values: measured },
            mark: { type: 'line', point: true },
            encoding: { x: { field: 'n', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'seconds', type: 'quantitative', scale: { type: 'log' } }, color },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
}

/** Writes `<base>.svg` and `<base>.png`; plots cluster-scaling.json's points when that file exists. */
export async function renderChart(results: E2eResults, scalingFile: string, base: string): Promise<{ svg: string; png: string }> {
  // Both packages are ESM-only; a dynamic import stays an import() in TypeScript's CommonJS output.
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const compiled = vegaLite.compile(chartSpec(results, readClusterScaling(scalingFile))).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: FONT } }).render().asPng();
  const paths = { svg: `${base}.svg`, png: `${base}.png` };
  fs.writeFileSync(paths.svg, svg);
  fs.writeFileSync(paths.png, png);
  return paths;
}
