/**
 * A few lines appended to a job log that an earlier run wrote (recovery after a crash): the
 * length GitLab holds is unknown, so the note is sent at offset 0 and moved to GitLab's length
 * on a 416 (gitlab-runner-protocol.md §4.2). Used as the trace of the final-update loop, which
 * retries the note with the state while GitLab is unreachable. The checksum of the whole log is
 * unknown: the state goes without one.
 */
import type { JobRef, RunnerApi, UpdateJobResult } from '../runner-api.js';
import type { FinalUpdateTrace } from './final-update.js';
import type { FlushResult } from './trace-sender.js';
import { DEFAULT_UPDATE_INTERVAL_MS } from './trace-sender.js';

/** 416 answers tolerated in one flush (the log may still grow if a job is somehow alive). */
const MAX_RANGE_MISMATCHES = 5;

export function createAppendedNote(
  deps: { api: RunnerApi },
  job: JobRef,
  note: string,
): FinalUpdateTrace {
  const body = Buffer.from(note, 'utf8');
  let offset = 0;
  let sent = false;
  let intervalMs = DEFAULT_UPDATE_INTERVAL_MS;
  let lastPatchStatus: number | undefined;
  return {
    async flushAll(signal?: AbortSignal): Promise<FlushResult> {
      for (let i = 0; !sent && i < MAX_RANGE_MISMATCHES; i++) {
        const r = await deps.api.patchTrace(job, body, offset, signal);
        lastPatchStatus = r.status;
        if (r.updateIntervalMs !== undefined) intervalMs = r.updateIntervalMs;
        switch (r.kind) {
          case 'ok':
          case 'not-found':
            sent = true;
            break;
          case 'range-mismatch':
            offset = r.sentOffset;
            break;
          case 'abort':
            return 'abort';
          case 'failed':
            return 'failed';
        }
      }
      // A log that keeps moving under us is not worth failing the state for: send it anyway.
      sent = true;
      return 'done';
    },
    noteUpdate(r: UpdateJobResult): void {
      if (r.updateIntervalMs !== undefined) intervalMs = r.updateIntervalMs;
    },
    rewind(): void {
      // 412 (trace validation): the note is all we have; sending it again would duplicate it.
    },
    resetInterval(): void {
      intervalMs = DEFAULT_UPDATE_INTERVAL_MS;
    },
    get intervalMs(): number {
      return intervalMs;
    },
    get lastPatchStatus(): number | undefined {
      return lastPatchStatus;
    },
    checksum: undefined,
    size: undefined,
  };
}
