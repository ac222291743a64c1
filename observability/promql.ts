/**
 * Metric names referenced by PromQL expressions and offered by Prometheus exposition text, so a test can
 * prove that dashboards and alert rules only query metrics that some process really exports.
 */

const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan',
]);

/** The metric names an expression selects (functions, keywords, labels, strings and durations are not names). */
export function metricNamesInExpr(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' ') // Grafana variables
    .replace(/(?<![\w:])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|s|m|h|d|w|y)?(?![\w:])/gi, ' '); // numbers, durations
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const after = stripped.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(after) || KEYWORDS.has(m[0].toLowerCase())) continue; // a function call or keyword
    names.add(m[0]);
  }
  return [...names];
}

/** Every PromQL string in a Grafana dashboard: `expr` of targets at any depth, and templating queries. */
export function grafanaExpressions(dashboard: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, key?: string) => {
    if (typeof node === 'string') {
      if (key === 'expr') out.push(node);
      // label_values(metric, label) in a template variable: only its first argument is a metric selector.
      const lv = key === 'query' ? /^label_values\((.*),\s*\w+\)$/.exec(node.trim()) : null;
      if (lv?.[1]) out.push(lv[1]);
      return;
    }
    if (Array.isArray(node)) node.forEach((n) => walk(n));
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(dashboard);
  return out;
}

/**
 * The `expr` of every rule in a Prometheus rules file. A small reader for the shapes Prometheus rule files
 * use: `expr: <one line>` and block scalars (`expr: |` / `expr: >` followed by more-indented lines).
 */
export function alertExpressions(yamlText: string): string[] {
  const lines = yamlText.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:-\s+)?expr:\s*(.*)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const indent = (m[1] ?? '').length;
    const rest = (m[2] ?? '').trim();
    if (rest !== '' && !/^[|>][-+]?$/.test(rest)) {
      out.push(rest.replace(/^(['"])(.*)\1$/, '$2'));
      continue;
    }
    const block: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1]?.trim() === '' || /^\s*/.exec(lines[i + 1] ?? '')![0].length > indent)) {
      block.push((lines[++i] ?? '').trim());
    }
    out.push(block.join('\n').trim());
  }
  return out;
}

/**
 * Names a Prometheus exposition offers: every sample name, every `# TYPE` name, and for histograms and
 * summaries declared there the _bucket/_count/_sum series (which exist once observed).
 */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type?.[1]) {
      names.add(type[1]);
      if (type[2] === 'histogram') ['_bucket', '_count', '_sum'].forEach((s) => names.add(`${type[1]}${s}`));
      if (type[2] === 'summary') ['_count', '_sum'].forEach((s) => names.add(`${type[1]}${s}`));
      continue;
    }
    const sample = /^([A-Za-z_:][\w:]*)[{ ]/.exec(line);
    if (sample?.[1]) names.add(sample[1]);
  }
  return names;
}
