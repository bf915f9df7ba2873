/**
 * Where each running job's log is kept beside the state file (`job-logs/`, 0700; files 0600),
 * so that a restarted manager can send GitLab the part of a log it had not got. A file is
 * removed when its job leaves the state file (GitLab has the final state, or the job is gone);
 * files of jobs the state file does not know are swept at start.
 */
import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../../platform/logger.js';
import { describeError } from '../../platform/errors.js';
import type { ManagerState } from './state-file.js';

export interface JobLogFiles {
  /** The file job `jobId` of runner `runnerName` keeps its log in. */
  path(runnerName: string, jobId: number): string;
  /** Resolves once the file is gone (a failure is logged, never thrown). */
  remove(runnerName: string, jobId: number): Promise<void>;
  /** Removes the files of jobs `state` does not hold. */
  sweep(state: ManagerState): Promise<void>;
}

/** Runner names are free text; the file name carries a short hash of it (job ids are per GitLab). */
function fileName(runnerName: string, jobId: number): string {
  const key = createHash('sha256').update(runnerName).digest('hex').slice(0, 12);
  return `${jobId}-${key}.log`;
}

export function jobLogFiles(deps: { logger: Logger }, stateFile: string): JobLogFiles {
  const dir = join(dirname(stateFile), 'job-logs');
  const removeFile = async (name: string): Promise<void> => {
    try {
      await rm(join(dir, name), { force: true });
    } catch (err: unknown) {
      deps.logger.warn({ file: join(dir, name), err: describeError(err) }, 'cannot remove job log');
    }
  };
  return {
    path: (runnerName, jobId) => join(dir, fileName(runnerName, jobId)),
    remove: (runnerName, jobId) => removeFile(fileName(runnerName, jobId)),
    async sweep(state): Promise<void> {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        return; // no logs kept yet
      }
      const kept = new Set(
        Object.entries(state.runners).flatMap(([runnerName, r]) =>
          Object.values(r.jobs).map((j) => fileName(runnerName, j.id)),
        ),
      );
      for (const name of names) if (!kept.has(name)) await removeFile(name);
    },
  };
}
