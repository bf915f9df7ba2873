/**
 * Inline SVG charts for the HTML report (no scripts, no external assets): fleet size and queue
 * length over time, and a cost-versus-wait scatter for sweeps.
 */
import type { SeriesPoint } from '../replay/plan-result.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round axis maximum and tick step: 7 → 8 by 2, 23 → 25 by 5; whole steps for counts. */
export function niceScale(max: number, whole = true): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: whole ? 1 : 0.2 };
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const step = whole ? Math.max(1, Math.round(nice)) : nice;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

interface Frame {
  w: number;
  h: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const FRAME: Frame = { w: 960, h: 300, left: 48, right: 16, top: 16, bottom: 40 };

function path(
  points: readonly SeriesPoint[],
  value: (p: SeriesPoint) => number,
  x: (ms: number) => number,
  y: (v: number) => number,
  stepMs: number,
): string {
  const parts: string[] = [];
  for (const p of points) {
    const yv = y(value(p)).toFixed(1);
    parts.push(
      `${parts.length === 0 ? 'M' : 'L'}${x(p.atMs).toFixed(1)},${yv}`,
      `L${x(p.atMs + stepMs).toFixed(1)},${yv}`,
    );
  }
  return parts.join(' ');
}

const TICK_STEPS_MS = [1, 3, 6, 12, 24, 48, 168, 336, 720].map((h) => h * 3_600_000);

/** Ticks on round UTC times (hours, days, weeks), at most ~8 of them. */
function timeTicks(startMs: number, endMs: number, x: (ms: number) => number, f: Frame): string {
  const span = endMs - startMs;
  const step = TICK_STEPS_MS.find((s) => span / s <= 8) ?? span / 8;
  const out: string[] = [];
  for (let t = Math.ceil(startMs / step) * step; t <= endMs; t += step) {
    const iso = new Date(t).toISOString();
    const label = step >= 86_400_000 ? iso.slice(5, 10) : iso.slice(5, 16).replace('T', ' ');
    const px = x(t).toFixed(1);
    out.push(
      `<line x1="${px}" y1="${f.h - f.bottom}" x2="${px}" y2="${f.h - f.bottom + 4}" stroke="#888"/>`,
      `<text x="${px}" y="${f.h - f.bottom + 18}" text-anchor="middle">${label}</text>`,
    );
  }
  return out.join('');
}

/** Instances (area), running jobs and waiting jobs (lines) per bucket (maximum in the bucket). */
export function renderFleetChart(series: readonly SeriesPoint[]): string {
  const f = FRAME;
  if (series.length === 0) return '<p>No activity to chart.</p>';
  const startMs = series[0]!.atMs;
  const stepMs = series.length > 1 ? series[1]!.atMs - startMs : 60_000;
  const endMs = series[series.length - 1]!.atMs + stepMs;
  const peak = Math.max(...series.map((p) => Math.max(p.instances, p.runningJobs, p.queuedJobs)));
  const scale = niceScale(peak);
  const x = (ms: number): number =>
    f.left + ((ms - startMs) / (endMs - startMs)) * (f.w - f.left - f.right);
  const y = (v: number): number => f.h - f.bottom - (v / scale.max) * (f.h - f.top - f.bottom);
  const grid: string[] = [];
  for (let v = 0; v <= scale.max; v += scale.step) {
    grid.push(
      `<line x1="${f.left}" y1="${y(v).toFixed(1)}" x2="${f.w - f.right}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${f.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`,
    );
  }
  const inst = path(series, (p) => p.instances, x, y, stepMs);
  const area = `${inst} L${x(endMs).toFixed(1)},${y(0).toFixed(1)} L${x(startMs).toFixed(1)},${y(0).toFixed(1)} Z`;
  return [
    `<svg class="chart" viewBox="0 0 ${f.w} ${f.h}" role="img" aria-label="Fleet size and queue length over time">`,
    grid.join(''),
    `<path d="${area}" fill="#cfe3f7" stroke="#4a90d9" stroke-width="1"/>`,
    `<path d="${path(series, (p) => p.runningJobs, x, y, stepMs)}" fill="none" stroke="#1f4e8c" stroke-width="1.2"/>`,
    `<path d="${path(series, (p) => p.queuedJobs, x, y, stepMs)}" fill="none" stroke="#e07b00" stroke-width="1.2"/>`,
    timeTicks(startMs, endMs, x, f),
    `<line x1="${f.left}" y1="${f.h - f.bottom}" x2="${f.w - f.right}" y2="${f.h - f.bottom}" stroke="#888"/>`,
    '</svg>',
    '<p class="legend"><span class="k inst"></span>instances <span class="k run"></span>running jobs ' +
      '<span class="k queue"></span>waiting jobs <small>(maximum per bucket, UTC)</small></p>',
  ].join('\n');
}

export interface ScatterPoint {
  label: string;
  costPerMonthUsd: number;
  p95WaitSeconds: number;
  pareto: boolean;
  recommended: boolean;
}

/** Cost per month against p95 wait, one dot per sweep setting; the Pareto front joined. */
export function renderSweepChart(points: readonly ScatterPoint[]): string {
  const f = { ...FRAME, h: 320, left: 64 };
  if (points.length === 0) return '';
  const xs = niceScale(Math.max(...points.map((p) => p.p95WaitSeconds)), false);
  const ys = niceScale(Math.max(...points.map((p) => p.costPerMonthUsd)), false);
  const x = (v: number): number => f.left + (v / xs.max) * (f.w - f.left - f.right);
  const y = (v: number): number => f.h - f.bottom - (v / ys.max) * (f.h - f.top - f.bottom);
  const front = points.filter((p) => p.pareto).sort((a, b) => a.p95WaitSeconds - b.p95WaitSeconds);
  const dots = points.map((p) => {
    const fill = p.recommended ? '#2a9d3f' : p.pareto ? '#1f4e8c' : '#aaa';
    return `<circle cx="${x(p.p95WaitSeconds).toFixed(1)}" cy="${y(p.costPerMonthUsd).toFixed(1)}" r="${p.recommended ? 6 : 4}" fill="${fill}"><title>${escapeHtml(p.label)}</title></circle>`;
  });
  const axes: string[] = [];
  for (let k = 0; k * ys.step <= ys.max + 1e-9; k++) {
    const v = k * ys.step;
    axes.push(
      `<text x="${f.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">$${Number(v.toPrecision(4))}</text>`,
    );
  }
  for (let k = 0; k * xs.step <= xs.max + 1e-9; k++) {
    const v = k * xs.step;
    axes.push(
      `<text x="${x(v).toFixed(1)}" y="${f.h - f.bottom + 18}" text-anchor="middle">${Number(v.toPrecision(4))} s</text>`,
    );
  }
  return [
    `<svg class="chart" viewBox="0 0 ${f.w} ${f.h}" role="img" aria-label="Cost per month against p95 queue wait">`,
    `<line x1="${f.left}" y1="${f.h - f.bottom}" x2="${f.w - f.right}" y2="${f.h - f.bottom}" stroke="#888"/>`,
    `<line x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${f.h - f.bottom}" stroke="#888"/>`,
    axes.join(''),
    `<polyline points="${front.map((p) => `${x(p.p95WaitSeconds).toFixed(1)},${y(p.costPerMonthUsd).toFixed(1)}`).join(' ')}" fill="none" stroke="#1f4e8c" stroke-dasharray="4 3"/>`,
    dots.join(''),
    '</svg>',
    '<p class="legend">x: p95 queue wait, y: cost per month; dashed: Pareto front; green: recommended</p>',
  ].join('\n');
}
