// Live updates over server-sent events: the page reloads runs and trends when the pipeline reports
// progress, without a page reload. EventSource reconnects by itself, sending Last-Event-ID, so the server
// replays whatever happened while the connection was down.
// TrendLive.connect(pill, { runs, trends }): `pill` shows the connection state; runs/trends are loaders.
'use strict';

(function () {
  /** Debounces a loader: a burst of events (one per emerging trend) causes one reload. */
  function soon(load, ms) {
    let timer = null;
    return () => { clearTimeout(timer); timer = setTimeout(() => void load(), ms); };
  }

  function connect(pill, loaders) {
    if (!window.EventSource) { pill.dataset.state = 'degraded'; pill.textContent = 'live: unsupported'; return; }
    const source = new EventSource('/api/v1/events');
    const runs = soon(loaders.runs, 300);
    const trends = soon(loaders.trends, 500);
    source.onopen = () => { pill.dataset.state = 'ok'; pill.textContent = 'live'; };
    source.onerror = () => { pill.dataset.state = 'down'; pill.textContent = 'live: reconnecting…'; };
    const on = (types, reload) => types.forEach((type) => source.addEventListener(type, (e) => {
      pill.dataset.lastEventId = e.lastEventId; // which update the page has seen (tests read it)
      reload();
    }));
    on(['run.started', 'run.progress', 'run.completed', 'run.failed', 'run.cancelled'], runs);
    on(['run.completed', 'trend.emerging', 'digest.ready'], trends);
  }

  window.TrendLive = { connect };
})();
