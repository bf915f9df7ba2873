/**
 * The dashboard page: one self-contained HTML document (styles and script inline, no external
 * URL), with a Content-Security-Policy that allows only its own script (by hash), its inline
 * styles and requests back to the manager.
 */
import { createHash } from 'node:crypto';
import { DASHBOARD_SCRIPT } from './dashboard-script.js';

const STYLE = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #111827; background: #f9fafb; }
body { margin: 0 auto; max-width: 1200px; padding: 12px 20px; }
header { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 20px; margin: 0; } h2 { font-size: 15px; margin: 0 0 8px; }
section { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 12px;
  margin: 12px 0; overflow-x: auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 12px; }
.grid section { margin: 0; }
#state { font-weight: 600; } #error { color: #dc2626; } .muted, #updated { color: #6b7280; }
button { border: 1px solid #d1d5db; background: #fff; border-radius: 4px; padding: 2px 8px;
  cursor: pointer; } button.on { background: #111827; color: #fff; }
svg { width: 100%; height: auto; } polyline { fill: none; stroke-width: 2; }
svg text { font-size: 11px; fill: #6b7280; } .axis { stroke: #9ca3af; }
line.rule { stroke: #e5e7eb; stroke-dasharray: 3 3; }
.legend span { border-left: 10px solid; padding: 0 10px 0 4px; margin-right: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #f3f4f6; }
#jobs td, #waits td, #money-split td { white-space: nowrap; }
tr.running td { background: #ecfdf5; } tr.bad td { color: #b91c1c; } td.empty { color: #9ca3af; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
.card { border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 12px; min-width: 160px; }
.card .label { color: #6b7280; } .card .value { font-size: 22px; font-weight: 600; }
.card .sub { color: #6b7280; font-size: 12px; }
`;

const BODY = `
<header>
  <h1>spotrunner</h1><span id="state">…</span><span id="updated"></span>
  <span>window:
    <button data-window="1h" class="on">1 h</button><button data-window="6h">6 h</button>
    <button data-window="24h">24 h</button><button data-window="7d">7 d</button></span>
  <span id="error"></span>
</header>
<div id="runners" class="muted"></div>
<div class="grid">
  <section><h2>Fleet by state (average instances per interval; last point: now)</h2>
    <div id="fleet"></div></section>
  <section><h2>Jobs waiting (in GitLab's queue, for an instance)</h2><div id="queue"></div></section>
</div>
<div class="grid">
  <section><h2>Waits over the window</h2><table id="waits"></table></section>
  <section><h2>Spot interruptions</h2><p id="interruptions-summary"></p>
    <table id="interrupted"></table></section>
</div>
<section id="money"><h2>Money</h2><div id="money-cards" class="cards"></div>
  <p id="money-note" class="muted"></p>
  <div class="grid"><table id="money-split"></table><table id="money-savings"></table></div>
  <p id="money-prices" class="muted"></p></section>
<section><h2>Jobs (running, then recent)</h2><table id="jobs"></table></section>
`;

const SCRIPT_HASH = createHash('sha256').update(DASHBOARD_SCRIPT).digest('base64');

export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${SCRIPT_HASH}'`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>spotrunner dashboard</title>
<style>${STYLE}</style></head>
<body>${BODY}<script>${DASHBOARD_SCRIPT}</script></body></html>
`;
