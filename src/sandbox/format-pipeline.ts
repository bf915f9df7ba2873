/** Human-readable text of a pipeline for the CLI. */
import type { JobView, PipelineView } from './sandbox-views.js';

function jobLine(job: JobView): string {
  const extras: string[] = [];
  if (job.failureReason) extras.push(job.failureReason);
  if (job.exitCode !== null && job.exitCode !== 0) extras.push(`exit ${job.exitCode}`);
  if (job.status === 'failed' && job.allowFailure) extras.push('allowed to fail');
  if (job.retried) extras.push(`retried`);
  const tail = extras.length > 0 ? ` (${extras.join(', ')})` : '';
  return `    #${job.id} ${job.name.padEnd(24)} ${job.status}${tail}`;
}

export function formatPipeline(pipeline: PipelineView): string {
  const status =
    pipeline.withWarnings && pipeline.status === 'success'
      ? 'passed with warnings'
      : pipeline.status;
  const lines = [
    `pipeline #${pipeline.id} on ${pipeline.ref} (${pipeline.sha.slice(0, 8)}): ${status}`,
  ];
  for (const error of pipeline.errors) lines.push(`  error: ${error}`);
  for (const warning of pipeline.warnings) lines.push(`  warning: ${warning}`);
  const stages = [...new Set(pipeline.jobs.map((j) => j.stage))];
  for (const stage of stages) {
    lines.push(`  ${stage}`);
    for (const job of pipeline.jobs.filter((j) => j.stage === stage)) lines.push(jobLine(job));
  }
  return lines.join('\n');
}
