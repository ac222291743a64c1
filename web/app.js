// trendflow dashboard: plain browser JS over the JSON API, no build step. DOM is built with
// textContent/setAttribute only (never innerHTML), so titles and URLs from feeds cannot inject markup.
'use strict';

(function () {
  const COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00']; // Okabe–Ito
  const CHART_TRENDS = COLORS.length;
  const state = { config: { temporalUiUrl: '', namespace: 'default' }, trends: [], chart: null, selected: null };
  const $ = (id) => document.getElementById(id);

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = String(v);
      else if (k === 'onClick') node.addEventListener('click', v);
      else node.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
    return node;
  }

  async function getJson(path) {
    const res = await fetch(path, { headers: { accept: 'application/json' } });
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { /* not JSON: reported below by status */ }
    if (!res.ok) {
      const err = new Error((body && (body.detail || body.title)) || `${res.status} ${res.statusText}`);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  const safeHref = (url) => (typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null);
  const fmtTime = (iso) => (iso ? `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '–');
  const num = (v) => (typeof v === 'number' ? v.toLocaleString('en') : '–');
  const trendTitle = (t) => (t.summary && t.summary.title) || t.label || `Trend ${t.id}`;
  const keywordsOf = (t) => (t.keywords || []).map((k) => (typeof k === 'string' ? k : k.term)).filter(Boolean);
  const lifecycleOf = (t) => (typeof t.lifecycle === 'string' ? t.lifecycle : (t.lifecycle && t.lifecycle.status) || t.lifecycleStatus || null);

  function fmtDuration(fromIso, toIso) {
    if (!fromIso || !toIso) return '–';
    const s = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
    return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
  }

  /** `csv:/long/path/file.csv` → `csv:file.csv`; feed URLs → their host. */
  function shortSource(spec) {
    const m = /^(\w+):(.*)$/.exec(spec || '');
    if (!m) return spec || '';
    try { if (/^https?:/.test(m[2])) return `${m[1]}:${new URL(m[2]).host}`; } catch { /* not a URL */ }
    return `${m[1]}:${m[2].split(/[\\/]/).pop().split('?')[0]}`;
  }

  function empty(text, tag = 'p') {
    return el(tag, { className: 'empty', text });
  }

  function showError(container, err, tag = 'p') {
    container.replaceChildren(el(tag, { className: 'error', role: 'alert', text: `Could not load: ${err.message}` }));
  }

  async function loadStatus() {
    const pill = $('api-status');
    try {
      const res = await fetch('/ready');
      const body = await res.json();
      const down = (body.checks || []).filter((c) => !c.ok).map((c) => c.name);
      pill.dataset.state = res.ok ? 'ok' : 'degraded';
      pill.textContent = res.ok ? 'API: ready' : `API: not ready (${down.join(', ') || 'unknown'})`;
      pill.title = (body.checks || []).map((c) => `${c.name}: ${c.ok ? 'ok' : c.error} (${c.ms} ms)`).join('\n');
    } catch (err) {
      pill.dataset.state = 'down';
      pill.textContent = 'API: unreachable';
      pill.title = err.message;
    }
  }

  function trendItem(t, meta) {
    const life = lifecycleOf(t);
    return el('li', {},
      el('button', { type: 'button', className: 'trend', 'data-trend-id': t.id, onClick: () => showTrend(t.id) },
        el('span', { className: 'trend-title', text: trendTitle(t) }),
        el('span', { className: 'trend-meta' },
          life ? el('span', { className: 'badge', 'data-status': life, text: life }) : null,
          meta || `${t.size} items · ${t.sourceCount} source${t.sourceCount === 1 ? '' : 's'} · ${keywordsOf(t).slice(0, 3).join(', ')}`)));
  }

  function markSelected() {
    for (const b of document.querySelectorAll('button.trend')) {
      if (Number(b.dataset.trendId) === state.selected) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    }
  }

  async function loadTrends() {
    const list = $('trend-list');
    try {
      const body = await getJson('/api/v1/trends?limit=50');
      state.trends = body.trends;
      $('trends-total').textContent = `${body.total} active`;
      list.replaceChildren(...(body.trends.length ? body.trends.slice(0, 15).map((t) => trendItem(t)) : [empty('No trends yet: start a run.', 'li')]));
    } catch (err) {
      showError(list, err, 'li');
    }
    await Promise.all([loadEmerging(), loadChart()]);
    markSelected();
  }

  /** Lifecycle status from the API when its trends carry one; otherwise, the trends that appeared last. */
  async function loadEmerging() {
    const list = $('emerging-list');
    let trends;
    if (state.trends.some(lifecycleOf)) {
      try {
        trends = (await getJson('/api/v1/trends?status=emerging&sort=velocity&limit=5')).trends;
      } catch (err) {
        return showError(list, err, 'li');
      }
      $('emerging-hint').textContent = 'Lifecycle status “emerging”, fastest growing first.';
    } else {
      trends = state.trends.filter((t) => t.firstSeen).sort((a, b) => Date.parse(b.firstSeen) - Date.parse(a.firstSeen)).slice(0, 5);
      $('emerging-hint').textContent = 'Newest first appearances (this server reports no lifecycle status yet).';
    }
    list.replaceChildren(...(trends.length ? trends.map((t) => trendItem(t,
      typeof t.velocity === 'number' ? `${t.size} items · ${t.velocity.toFixed(1)} items/h` : `${t.size} items · since ${fmtTime(t.firstSeen)}`))
      : [empty('No emerging trends right now.', 'li')]));
    markSelected();
  }

  async function loadChart() {
    const box = $('chart');
    const top = state.trends.slice(0, CHART_TRENDS);
    const times = top.flatMap((t) => [t.firstSeen, t.lastSeen]).filter(Boolean).map(Date.parse);
    const from = times.length ? Math.min(...times) : Date.now();
    const to = times.length ? Math.max(...times) : Date.now();
    const wanted = $('bucket-select').value;
    const bucket = window.TrendChart.fitBucket(wanted === 'auto' ? window.TrendChart.autoBucket(from, to) : wanted, from, to);
    $('chart-bucket').textContent = bucket;
    try {
      const lines = await Promise.all(top.map((t) => getJson(`/api/v1/trends/${t.id}/timeline?bucket=${bucket}`)));
      state.chart = { bucket, series: top.map((t, i) => ({ id: t.id, name: trendTitle(t), color: COLORS[i], points: lines[i].points })) };
      drawChart();
      $('chart-legend').replaceChildren(...state.chart.series.map((s) => el('li', {},
        el('button', { type: 'button', className: 'legend-item', onClick: () => showTrend(s.id) },
          el('span', { className: 'swatch', 'aria-hidden': 'true', 'data-color': s.color }), s.name))));
      for (const sw of document.querySelectorAll('.swatch')) sw.style.backgroundColor = sw.dataset.color;
    } catch (err) {
      showError(box, err);
    }
  }

  function drawChart() {
    if (state.chart) window.TrendChart.render($('chart'), state.chart);
  }

  async function showTrend(id, focus = true) {
    state.selected = id;
    markSelected();
    const body = $('detail-body');
    body.replaceChildren(empty('Loading…'));
    history.replaceState(null, '', `#trend-${id}`);
    try {
      const t = await getJson(`/api/v1/trends/${id}?items=50`);
      const s = t.summary || {};
      const life = lifecycleOf(t);
      body.replaceChildren(
        el('h3', { id: 'detail-title', tabindex: '-1', text: trendTitle(t) }),
        el('p', { className: 'meta' },
          life ? el('span', { className: 'badge', 'data-status': life, text: life }) : null,
          `${t.size} items · ${t.sourceCount} source${t.sourceCount === 1 ? '' : 's'} · first seen ${fmtTime(t.firstSeen)} · last seen ${fmtTime(t.lastSeen)}`,
          s.method ? ` · ${s.method} summary${s.stale ? ' (stale)' : ''}` : ''),
        el('p', { id: 'detail-summary', className: 'summary-text', text: s.summary || 'No summary yet.' }),
        t.explanation ? el('p', { className: 'why' }, el('strong', { text: 'Why it’s trending: ' }), t.explanation) : null,
        el('div', { className: 'detail-grid' },
          el('div', {},
            (s.keyPoints || []).length ? [el('h4', { text: 'Key points' }), el('ul', { className: 'points' }, s.keyPoints.map((p) => el('li', { text: p })))] : null,
            el('h4', { text: 'Keywords' }),
            el('ul', { className: 'chips', 'aria-label': 'Keywords' }, keywordsOf(t).map((k) => el('li', { text: k }))),
            el('h4', { text: 'Sources' }),
            el('ul', { className: 'sources' }, (t.sources || []).map((x) => el('li', { title: x.source, text: `${shortSource(x.source)} — ${x.items}` })))),
          el('div', {},
            el('h4', { text: `Items (${t.items.length} of ${t.size}, most central first)` }),
            el('ol', { className: 'items' }, t.items.map((i) => el('li', {},
              el('a', { href: safeHref(i.url), target: '_blank', rel: 'noopener noreferrer', text: i.title }),
              el('span', { className: 'item-meta', text: [(i.metadata && i.metadata.publisher) || '', shortSource(i.source), fmtTime(i.publishedAt)].filter(Boolean).join(' · ') })))))));
      if (focus) $('detail-title').focus();
    } catch (err) {
      showError(body, err);
    }
  }

  /** Normalizes a search hit: `{item, score, trend}` or a flat item with `score` and `trendId`. */
  function searchHit(r) {
    const item = r.item || r;
    const trend = r.trend || (r.trends && r.trends[0]) || item.trend || (item.trendId ? { id: item.trendId } : null);
    return { item, trend, score: r.score !== undefined ? r.score : r.similarity };
  }

  function hitTrendTitle(trend) {
    const known = state.trends.find((t) => t.id === Number(trend.id));
    return known ? trendTitle(known) : trend.title || trend.label || `#${trend.id}`;
  }

  async function search(q) {
    const section = $('search-results');
    const list = $('search-list');
    const status = $('search-status');
    section.hidden = false;
    status.textContent = `Searching for “${q}”…`;
    list.replaceChildren();
    try {
      const body = await getJson(`/api/v1/search?q=${encodeURIComponent(q)}&limit=10`);
      const hits = (Array.isArray(body) ? body : body.results || body.items || body.hits || []).map(searchHit);
      status.textContent = `${hits.length} result${hits.length === 1 ? '' : 's'} for “${q}”`;
      list.replaceChildren(...hits.map(({ item, trend, score }) => el('li', {},
        el('a', { href: safeHref(item.url), target: '_blank', rel: 'noopener noreferrer', text: item.title || item.url || `item ${item.id}` }),
        el('span', { className: 'item-meta' },
          [typeof score === 'number' ? `score ${score.toFixed(2)}` : '', shortSource(item.source), fmtTime(item.publishedAt)].filter(Boolean).join(' · '),
          trend && trend.id ? [' · ', el('button', { type: 'button', className: 'link-button small', title: 'Show this trend', onClick: () => showTrend(Number(trend.id)) },
            `trend: ${hitTrendTitle(trend)}`)] : null))));
    } catch (err) {
      status.textContent = err.status === 404 ? 'Search is not available on this server (GET /api/v1/search answered 404).' : `Search failed: ${err.message}`;
    }
  }

  async function loadRuns() {
    const tbody = $('runs-table').tBodies[0];
    try {
      const { runs } = await getJson('/api/v1/runs?limit=10');
      const { temporalUiUrl, namespace } = state.config;
      tbody.replaceChildren(...(runs.length ? runs.map((r) => {
        const stats = r.stats || {};
        const link = `${temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(r.runId)}`;
        return el('tr', { 'data-run-id': r.runId },
          el('td', {}, el('a', { href: safeHref(link), target: '_blank', rel: 'noopener noreferrer', className: 'mono', title: 'Open in the Temporal Web UI', text: r.runId })),
          el('td', {}, el('span', { className: 'badge', 'data-status': r.status, text: r.status }), r.error ? el('span', { className: 'run-error', title: r.error, text: ' ⚠' }) : null),
          el('td', { text: r.trigger || '–' }),
          el('td', { className: 'num', text: num(stats.items && stats.items.fetched) }),
          el('td', { className: 'num', text: num(stats.items && stats.items.new) }),
          el('td', { className: 'num', text: num(stats.cluster && stats.cluster.clusters) }),
          el('td', { text: fmtTime(r.createdAt) }),
          el('td', { className: 'num', text: r.status === 'running' ? 'running' : fmtDuration(r.createdAt, r.finishedAt) }));
      }) : [el('tr', {}, el('td', { colspan: 8, className: 'empty', text: 'No runs yet.' }))]));
    } catch (err) {
      tbody.replaceChildren(el('tr', {}, el('td', { colspan: 8, className: 'error', role: 'alert', text: `Could not load runs: ${err.message}` })));
    }
  }

  async function refreshAll() {
    await Promise.all([loadStatus(), loadTrends(), loadRuns()]);
  }

  async function start() {
    try { state.config = await getJson('/api/v1/ui-config'); } catch { /* links then point at the same origin */ }
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const q = $('search-input').value.trim();
      if (q) void search(q);
    });
    $('search-clear').addEventListener('click', () => { $('search-results').hidden = true; $('search-input').value = ''; });
    $('bucket-select').addEventListener('change', () => void loadChart());
    $('refresh').addEventListener('click', () => void refreshAll());
    let resizeTimer;
    window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawChart, 150); });
    setInterval(() => { void loadStatus(); void loadRuns(); }, 20_000);
    await refreshAll();
    TrendLive.connect($('live-status'), { runs: loadRuns, trends: loadTrends });
    const m = /^#trend-(\d+)$/.exec(location.hash);
    if (m) await showTrend(Number(m[1]), false);
    document.body.dataset.ready = 'true'; // lets tests and scripts wait for the first full render
  }

  void start();
})();
