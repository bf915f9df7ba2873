/** A one-line progress display for the GitLab import on stderr (redrawn in place on a TTY). */
import type { Writable } from 'node:stream';
import type { Clock } from '../../platform/clock.js';
import type { ImportProgress } from './import-gitlab-history.js';

export interface ProgressLineDeps {
  stream: Writable;
  clock: Clock;
  isTTY: boolean;
}

export interface ProgressLine {
  update(progress: ImportProgress): void;
  done(): void;
}

/** `importing g/app (1/3): 12 pages, 1,200 jobs fetched (85/s), 3,400 from cache`. */
export function formatImportProgress(p: ImportProgress, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? Math.round((p.fetchedJobs * 1000) / elapsedMs) : 0;
  const projects = p.projectsTotal > 1 ? ` (${p.projectsDone + 1}/${p.projectsTotal})` : '';
  return (
    `importing ${p.project}${projects}: ${p.pages} page(s), ` +
    `${p.fetchedJobs.toLocaleString('en-US')} jobs fetched (${rate}/s), ` +
    `${p.cachedJobs.toLocaleString('en-US')} from cache`
  );
}

export function createProgressLine(deps: ProgressLineDeps): ProgressLine {
  const startMs = deps.clock.now();
  let lastPrintMs = Number.NEGATIVE_INFINITY;
  let last: string | undefined;
  return {
    update(progress) {
      const now = deps.clock.now();
      last = formatImportProgress(progress, now - startMs);
      if (deps.isTTY) deps.stream.write(`\r\u001b[2K${last}`);
      else if (now - lastPrintMs >= 5000) {
        deps.stream.write(`${last}\n`);
        lastPrintMs = now;
      }
    },
    done() {
      if (last === undefined) return;
      deps.stream.write(deps.isTTY ? '\n' : `${last}\n`);
    },
  };
}
