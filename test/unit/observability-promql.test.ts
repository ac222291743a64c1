import { alertExpressions, exportedNames, grafanaExpressions, metricNamesInExpr } from '../../observability/promql';

describe('metric names in PromQL', () => {
  it.each([
    ['up{job="trendflow-api"} == 0', ['up']],
    [
      'histogram_quantile(0.95, sum by (le, route) (rate(trendflow_http_request_duration_seconds_bucket{job="x", route!="unmatched"}[5m]))) > 1',
      ['trendflow_http_request_duration_seconds_bucket'],
    ],
    [
      '(sum(rate(a_total{status=~"5.."}[$__rate_interval])) or vector(0)) / sum(rate(b_total[$__rate_interval]))',
      ['a_total', 'b_total'],
    ],
    ['sum(rate(x[5m])) by (instance) > 1e3 and on(job) y offset 1h', ['x', 'y']],
    ['rate(node:cpu:ratio[1m]) * 100', ['node:cpu:ratio']],
    ['nodejs_eventloop_lag_p99_seconds > 0.5', ['nodejs_eventloop_lag_p99_seconds']],
    ['topk(5, sum without (pod) (increase(z_count[1h])))', ['z_count']],
  ])('%s', (expr, names) => {
    expect(metricNamesInExpr(expr).sort()).toEqual([...names].sort());
  });
});

describe('expressions in dashboards and rule files', () => {
  it('finds every expr in nested Grafana panels and label_values templates', () => {
    const dashboard = {
      panels: [{ targets: [{ expr: 'a' }] }, { type: 'row', panels: [{ targets: [{ expr: 'rate(b[1m])' }, { refId: 'C' }] }] }],
      templating: { list: [{ query: 'label_values(c_total, source)' }, { query: 'not promql' }] },
    };
    expect(grafanaExpressions(dashboard)).toEqual(['a', 'rate(b[1m])', 'c_total']);
  });

  it('reads one-line, quoted and block-scalar exprs from a rules file', () => {
    const yaml = [
      'groups:',
      '  - name: g',
      '    rules:',
      '      - alert: A',
      '        expr: up == 0',
      '        for: 1m',
      '      - alert: B',
      '        expr: |',
      '          sum(rate(x_total[5m]))',
      '            > 1',
      '        labels:',
      '          severity: warning',
      "      - record: r",
      "        expr: 'y > 0'",
    ].join('\n');
    expect(alertExpressions(yaml)).toEqual(['up == 0', 'sum(rate(x_total[5m]))\n> 1', 'y > 0']);
  });
});

describe('names an exposition offers', () => {
  it('includes samples, declared names, and histogram series even before any observation', () => {
    const text = [
      '# HELP h_seconds help',
      '# TYPE h_seconds histogram',
      '# TYPE c_total counter',
      'c_total{a="1"} 3',
      'g 1',
    ].join('\n');
    const names = exportedNames(text);
    for (const n of ['h_seconds_bucket', 'h_seconds_count', 'h_seconds_sum', 'c_total', 'g']) expect(names).toContain(n);
    expect(names).not.toContain('h_seconds_total');
  });
});
