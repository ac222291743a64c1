// Multi-series line chart drawn as inline SVG (no library: the dashboard loads nothing from elsewhere).
// TrendChart.render(container, { bucket, series: [{ id, name, color, points: [{ t, count }] }] })
'use strict';

(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const STEP_MS = { minute: 60e3, hour: 3600e3, day: 86400e3, week: 7 * 86400e3 };
  const ORDER = ['minute', 'hour', 'day', 'week'];
  const MAX_BUCKETS = 240;

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** The finest bucket that keeps the span under MAX_BUCKETS, starting from `wanted`. */
  function fitBucket(wanted, fromMs, toMs) {
    let i = Math.max(0, ORDER.indexOf(wanted));
    while (i < ORDER.length - 1 && (toMs - fromMs) / STEP_MS[ORDER[i]] > MAX_BUCKETS) i++;
    return ORDER[i];
  }

  /** `auto`: minutes for a few hours of data, hours for a few days, then days, then weeks. */
  function autoBucket(fromMs, toMs) {
    const span = toMs - fromMs;
    if (span <= 3 * STEP_MS.hour) return 'minute';
    if (span <= 5 * STEP_MS.day) return 'hour';
    if (span <= 120 * STEP_MS.day) return 'day';
    return 'week';
  }

  function niceMax(v) {
    if (v <= 5) return Math.max(1, v);
    const mag = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= v) return m * mag;
    return 10 * mag;
  }

  function label(ms, bucket, full) {
    const d = new Date(ms);
    const date = d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
    const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC' });
    if (bucket === 'minute') return full ? `${date} ${time} UTC` : time;
    if (bucket === 'hour') return full ? `${date} ${time} UTC` : `${date} ${time}`;
    return full && bucket === 'week' ? `week of ${date}` : date;
  }

  function render(container, data) {
    container.textContent = '';
    const all = data.series.flatMap((s) => s.points.map((p) => Date.parse(p.t)));
    if (all.length === 0) {
      container.append(Object.assign(document.createElement('p'), { className: 'empty', textContent: 'No items to chart yet.' }));
      return;
    }
    const step = STEP_MS[data.bucket];
    // One empty bucket either side, so a single burst still draws as a peak rather than a lone dot.
    const from = Math.min(...all) - step;
    const to = Math.max(...all) + step;
    const ticks = [];
    for (let t = from; t <= to; t += step) ticks.push(t);
    const index = new Map(ticks.map((t, i) => [t, i]));
    const rows = data.series.map((s) => {
      const counts = ticks.map(() => 0);
      for (const p of s.points) {
        const i = index.get(Date.parse(p.t));
        if (i !== undefined) counts[i] += p.count;
      }
      return { ...s, counts };
    });
    const yMax = niceMax(Math.max(...rows.flatMap((r) => r.counts)));

    const width = Math.max(320, container.clientWidth || 800);
    const height = 260;
    const m = { top: 12, right: 16, bottom: 30, left: 40 };
    const iw = width - m.left - m.right;
    const ih = height - m.top - m.bottom;
    const x = (i) => m.left + (ticks.length === 1 ? iw / 2 : (i / (ticks.length - 1)) * iw);
    const y = (v) => m.top + ih - (v / yMax) * ih;

    const total = rows.reduce((n, r) => n + r.counts.reduce((a, b) => a + b, 0), 0);
    const root = svg('svg', {
      viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
      'aria-labelledby': 'chart-title chart-desc', class: 'chart-svg',
    });
    root.append(svg('title', { id: 'chart-title' }, `Items per ${data.bucket}, ${rows.length} trends`));
    root.append(svg('desc', { id: 'chart-desc' },
      `${total} items from ${label(from + step, data.bucket, true)} to ${label(to - step, data.bucket, true)}. ` +
      rows.map((r) => `${r.name}: ${r.counts.reduce((a, b) => a + b, 0)} items, peak ${Math.max(...r.counts)}`).join('; ')));

    const axis = svg('g', { class: 'axis', 'aria-hidden': 'true' });
    const yTicks = yMax <= 5 ? yMax : 4;
    for (let k = 0; k <= yTicks; k++) {
      const v = (yMax / yTicks) * k;
      axis.append(svg('line', { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), class: k ? 'grid' : 'baseline' }));
      axis.append(svg('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, Number.isInteger(v) ? String(v) : v.toFixed(1)));
    }
    const every = Math.max(1, Math.ceil(ticks.length / Math.max(2, Math.floor(iw / 90))));
    ticks.forEach((t, i) => {
      if (i % every !== 0) return;
      axis.append(svg('line', { x1: x(i), x2: x(i), y1: m.top + ih, y2: m.top + ih + 4, class: 'tick' }));
      axis.append(svg('text', { x: x(i), y: height - 8, 'text-anchor': 'middle' }, label(t, data.bucket, false)));
    });
    root.append(axis);

    for (const r of rows) {
      const g = svg('g', { class: 'series', 'data-trend-id': r.id });
      g.append(svg('polyline', {
        points: r.counts.map((c, i) => `${x(i).toFixed(1)},${y(c).toFixed(1)}`).join(' '),
        fill: 'none', stroke: r.color, 'stroke-width': 2, 'stroke-linejoin': 'round',
      }));
      r.counts.forEach((c, i) => {
        if (c === 0) return;
        const dot = svg('circle', { cx: x(i), cy: y(c), r: 4, fill: r.color, class: 'point', 'data-count': c });
        dot.append(svg('title', {}, `${r.name}: ${c} item${c === 1 ? '' : 's'}, ${label(ticks[i], data.bucket, true)}`));
        g.append(dot);
      });
      root.append(g);
    }
    container.append(root);
  }

  window.TrendChart = { render, autoBucket, fitBucket };
})();
