/**
 * The dashboard page's script, served inline (its hash is in the page's Content-Security-Policy):
 * fetches `api/dashboard` every few seconds and draws the charts as inline SVG and the tables
 * with textContent only (job and project names come from GitLab; nothing is parsed as HTML).
 */
export const DASHBOARD_SCRIPT = String.raw`(() => {
  'use strict';
  const REFRESH_MS = 5000;
  const SVG = 'http://www.w3.org/2000/svg';
  const COLORS = { booting: '#d97706', idle: '#9ca3af', busy: '#059669', draining: '#dc2626',
    gitlab: '#7c3aed', instance: '#2563eb' };
  let win = '1h';
  let timer;
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const svgEl = (tag, attrs) => {
    const e = document.createElementNS(SVG, tag);
    for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    return e;
  };
  const dur = (ms) => {
    if (typeof ms !== 'number') return '–';
    const s = ms / 1000;
    if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' m ' + Math.round(s % 60) + ' s';
    return (s / 3600).toFixed(1) + ' h';
  };
  const usd = (n) => (typeof n !== 'number' ? '–' : (n < 0 ? '-$' : '$') +
    Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  const clock = (ms) => new Date(ms).toLocaleTimeString();
  const num = (n) => (Math.round(n * 10) / 10).toString();
  const fixed = (h) => (h < 1 ? h.toFixed(3) : h.toFixed(1));
  const hours = (h) => fixed(h) + ' instance-h';

  function chart(id, points, keys) {
    const box = $(id);
    box.textContent = '';
    const W = 640, H = 170, L = 34, B = 18;
    const svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'data-points': points.length });
    let max = 1;
    for (const p of points) for (const k of keys) max = Math.max(max, p.values[k]);
    const t0 = points[0].atMs, t1 = points[points.length - 1].atMs;
    const x = (t) => L + ((W - L - 6) * (t - t0)) / Math.max(1, t1 - t0);
    const y = (v) => H - B - ((H - B - 8) * v) / max;
    svg.appendChild(svgEl('line', { x1: L, y1: y(0), x2: W - 6, y2: y(0), class: 'axis' }));
    svg.appendChild(svgEl('line', { x1: L, y1: y(max), x2: W - 6, y2: y(max), class: 'rule' }));
    const label = (text, lx, ly, anchor) => {
      const t = svgEl('text', { x: lx, y: ly, 'text-anchor': anchor });
      t.textContent = text;
      svg.appendChild(t);
    };
    label(num(max), L - 4, y(max) + 4, 'end');
    label('0', L - 4, y(0) + 4, 'end');
    label(clock(t0), L, H - 3, 'start');
    label('now', W - 6, H - 3, 'end');
    for (const k of keys) {
      const pts = points.map((p) => x(p.atMs).toFixed(1) + ',' + y(p.values[k]).toFixed(1));
      svg.appendChild(svgEl('polyline', { points: pts.join(' '), stroke: COLORS[k], 'data-series': k }));
    }
    box.appendChild(svg);
    const legend = el('div', null, 'legend');
    const last = points[points.length - 1].values;
    for (const k of keys) {
      const item = el('span', k + ' ' + num(last[k]));
      item.style.borderColor = COLORS[k];
      legend.appendChild(item);
    }
    box.appendChild(legend);
  }

  function table(id, head, rows) {
    const t = $(id);
    t.textContent = '';
    const tr = el('tr');
    for (const h of head) tr.appendChild(el('th', h));
    t.appendChild(el('thead')).appendChild(tr);
    const body = t.appendChild(el('tbody'));
    for (const row of rows) {
      const r = body.appendChild(el('tr', null, row.cls));
      for (const cell of row.cells) r.appendChild(el('td', cell));
    }
    if (rows.length === 0) body.appendChild(el('tr')).appendChild(el('td', 'none yet', 'empty'));
  }

  const PHASES = { pickup: 'GitLab queue (pickup)', instanceWait: 'instance wait',
    coldStart: 'of which cold start', boot: '… instance boot', readyUp: '… ready-up (SSH, ready command)',
    imagePull: 'image pull (docker)' };
  function waits(d) {
    table('waits', ['phase', 'jobs', 'p50', 'p95'], d.waits.map((w) => ({
      cells: [PHASES[w.phase], w.jobs, dur(w.p50Ms), dur(w.p95Ms)] })));
  }

  function jobs(d) {
    table('jobs', ['job', 'project', 'name', 'runner', 'instance', 'type', 'lifecycle', 'pickup',
      'instance wait', 'cold start', 'duration', 'result', 'reruns / lost'], d.jobs.map((j) => ({
      cls: j.state === 'running' ? 'running' : j.result === 'success' ? '' : 'bad',
      cells: ['#' + j.id, j.project, j.name, j.runner, j.instanceId || '–', j.instanceType || '–',
        j.lifecycle || '–', dur(j.pickupMs), dur(j.instanceWaitMs), dur(j.coldStartMs),
        dur(j.durationMs), j.state === 'running' ? 'running' : j.result,
        j.reruns + ' / ' + j.interruptions] })));
  }

  function interruptions(d) {
    const i = d.interruptions;
    const box = $('interruptions-summary');
    box.textContent = i.instancesInterrupted + ' instances taken back, ' + i.jobsInterrupted +
      ' jobs hit (' + i.runsLost + ' runs lost), ' + i.jobsRescued + ' rescued by a rerun';
    table('interrupted', ['job', 'project', 'name', 'runs lost', 'result'], i.jobs.map((j) => ({
      cls: j.result === 'success' ? '' : 'bad',
      cells: ['#' + j.id, j.project, j.name, j.interruptions, j.result] })));
  }

  function card(box, title, value, sub) {
    const c = box.appendChild(el('div', null, 'card'));
    c.appendChild(el('div', title, 'label'));
    c.appendChild(el('div', value, 'value'));
    if (sub) c.appendChild(el('div', sub, 'sub'));
  }

  function money(d) {
    const m = d.money;
    const box = $('money-cards');
    box.textContent = '';
    $('money-note').textContent = m.note || '';
    if (!m.summary) return;
    const s = m.summary;
    card(box, 'today', usd(s.today.costUsd), hours(s.today.instanceHours) + ', ' + s.today.jobs + ' jobs');
    card(box, 'month to date', usd(s.monthToDate.costUsd), hours(s.monthToDate.instanceHours) + ', ' + s.monthToDate.jobs + ' jobs');
    card(box, 'projected month', usd(s.projectedMonth.costUsd), s.projectedMonth.basis);
    const split = (k) => [k, usd(s.today[k + 'Usd']), usd(s.monthToDate[k + 'Usd']),
      fixed(s.monthToDate.hours[k])];
    table('money-split', ['spent on', 'today', 'month to date', 'month instance-h'], ['busy', 'idle', 'boot', 'interruption']
      .map((k) => ({ cells: split(k) })));
    const v = s.savings;
    table('money-savings', ['compared with', 'would cost', 'saved', 'basis'], [
      ['always-on', v.alwaysOnUsd, v.basis.alwaysOn], ['on-demand', v.onDemandUsd, v.basis.onDemand],
      ['GitLab-hosted', v.gitlabHostedUsd, v.basis.gitlabHosted]].map((r) => ({
      cells: [r[0], usd(r[1]), typeof r[1] === 'number' ? usd(r[1] - v.actualUsd) : '–', r[2]] })));
    $('money-prices').textContent = 'prices: ' + s.prices.source + ' (' + s.prices.asOf + (s.prices.live ? ', live' : '') +
      '), region ' + s.region + (s.unpricedHours > 0 ? '; ' + s.unpricedHours.toFixed(2) + ' h unpriced' : '');
  }

  function render(d) {
    $('state').textContent = d.state;
    $('updated').textContent = 'updated ' + clock(d.nowMs);
    $('runners').textContent = d.runners.map((r) => r.name + ': ' + r.state + ', ' + r.instances +
      ' instances, ' + r.jobsRunning + ' jobs').join(' · ');
    chart('fleet', d.fleet, ['booting', 'idle', 'busy', 'draining']);
    chart('queue', d.queue, ['gitlab', 'instance']);
    waits(d);
    jobs(d);
    interruptions(d);
    money(d);
    document.body.dataset.loaded = 'true';
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const res = await fetch('api/dashboard?window=' + win, { cache: 'no-store', credentials: 'same-origin' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      render(await res.json());
      $('error').textContent = '';
    } catch (err) {
      $('error').textContent = 'update failed: ' + (err && err.message ? err.message : err);
    }
    timer = setTimeout(refresh, REFRESH_MS);
  }

  for (const b of document.querySelectorAll('[data-window]')) {
    b.addEventListener('click', () => {
      win = b.dataset.window;
      for (const o of document.querySelectorAll('[data-window]')) o.classList.toggle('on', o === b);
      void refresh();
    });
  }
  void refresh();
})();
`;
