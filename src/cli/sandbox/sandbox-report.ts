/**
 * What `spotrunner sandbox` prints and keeps once a pipeline has ended: traces written to files,
 * the end of each failed job's log (the data dir, with the traces, goes away unless kept), and a
 * hint when jobs were stuck for want of runner tags.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PipelineView, SandboxServer } from '../../sandbox/index.js';

const TAIL_LINES = 10;

/** Writes `<id>-<name>.log` for every job with a trace; returns the directory. */
export async function writeTraces(
  server: SandboxServer,
  pipeline: PipelineView,
  dir: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const job of pipeline.jobs) {
    const text = server.trace(job.id);
    if (text !== undefined)
      await writeFile(join(dir, `${job.id}-${job.name.replace(/[^\w.-]+/g, '_')}.log`), text);
  }
  return dir;
}

/** The last lines of each failed job that is not allowed to fail. */
export function failedJobTails(server: SandboxServer, pipeline: PipelineView): string[] {
  const lines: string[] = [];
  for (const job of pipeline.jobs) {
    if (job.status !== 'failed' || job.allowFailure || job.retried) continue;
    const text = (server.trace(job.id, { plain: true }) ?? '').replace(/\s+$/, '');
    if (text === '') continue;
    lines.push('', `--- end of the log of #${job.id} ${job.name} ---`);
    lines.push(...text.split('\n').slice(-TAIL_LINES));
  }
  return lines;
}

/** A hint when jobs were stuck: which tags the runner has and how to give it more. */
export function stuckHint(pipeline: PipelineView, runnerTags: readonly string[]): string[] {
  if (!pipeline.jobs.some((j) => j.stuck !== null)) return [];
  const has = runnerTags.length > 0 ? `tags ${runnerTags.join(', ')}` : 'no tags';
  return [
    `sandbox: the sandbox runner has ${has} (and runs untagged jobs); --tag-list gives it the tags your jobs ask for`,
  ];
}
