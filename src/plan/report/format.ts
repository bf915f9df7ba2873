/** Number formatting shared by the text, HTML and sweep reports. */
export function formatUsd(n: number): string {
  if (Math.abs(n) >= 1000) return `$${Math.round(n).toLocaleString('en-US')}`;
  return `$${n.toFixed(2)}`;
}

export function formatPricePerHour(n: number): string {
  return `$${Number(n.toPrecision(3))}/h`;
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatHours(n: number): string {
  return n >= 100 ? formatInt(n) : n.toFixed(1);
}

export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** `0 s`, `45 s`, `2m05s`, `1h03m`. */
export function formatSeconds(s: number): string {
  const r = Math.round(s);
  if (r < 120) return `${r} s`;
  if (r < 3600) return `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s`;
  return `${Math.floor(r / 3600)}h${String(Math.floor((r % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function formatDays(ms: number): string {
  const days = ms / 86_400_000;
  return Number.isInteger(days) ? `${days} days` : `${days.toFixed(1)} days`;
}

/** Pads cells into aligned columns; `right` marks right-aligned columns. */
export function formatColumns(
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((row) =>
    row
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
