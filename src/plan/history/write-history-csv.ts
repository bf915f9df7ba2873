/** Writes jobs in the planner's CSV contract: `queued_at,duration_s,tags,project[,name]`. */
import type { JobRecord } from './job-record.js';

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line per job (with header), ISO-8601 UTC times with second precision. */
export function* formatHistoryCsv(
  jobs: Iterable<JobRecord>,
  options: { withName?: boolean } = {},
): Generator<string> {
  const withName = options.withName ?? false;
  yield withName
    ? 'queued_at,duration_s,tags,project,name\n'
    : 'queued_at,duration_s,tags,project\n';
  for (const job of jobs) {
    const time = new Date(job.queuedAtMs).toISOString().replace('.000Z', 'Z');
    const fields = [
      time,
      String(Math.round(job.durationMs) / 1000),
      csvField(job.tags.join(';')),
      csvField(job.project),
    ];
    if (withName) fields.push(csvField(job.name ?? ''));
    yield `${fields.join(',')}\n`;
  }
}
