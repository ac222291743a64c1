/** Pure helpers shared by the workflow, API and CLI: no imports, so the workflow bundle stays deterministic. */

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `all`, or a duration like `90m`, `24h`, `7d`, `2w`. Returns ms, or null for `all`; throws on anything else. */
export function parseWindow(window: string): number | null {
  if (window === 'all') return null;
  const m = /^(\d{1,6})([mhdw])$/.exec(window);
  const unit = m ? UNIT_MS[m[2] ?? ''] : undefined;
  if (!m || unit === undefined || Number(m[1]) === 0) {
    throw new RangeError(`invalid window "${window}": use "all" or a duration such as 30m, 24h, 7d, 2w`);
  }
  return Number(m[1]) * unit;
}
