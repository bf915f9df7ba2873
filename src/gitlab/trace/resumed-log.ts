/**
 * A job log an earlier run kept on disk (`JobTraceOptions.logFile`), taken up again after a
 * crash: GitLab may hold any prefix of it, so the first patch probes for GitLab's length (416
 * with `Range`, gitlab-runner-protocol.md §4.2) and the rest goes from there; the final state
 * then carries the checksum and size of the whole log. `append` adds a last note to the file
 * itself, so the checksum covers it and a second crash does not lose it.
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { JobRef, RunnerApi } from '../runner-api.js';
import { jobLogFinalTrace, type FinalUpdateTrace } from './final-update.js';
import { TraceBuffer } from './trace-buffer.js';
import {
  DEFAULT_FORCE_SEND_INTERVAL_MS,
  DEFAULT_UPDATE_INTERVAL_MS,
  createTraceSender,
} from './trace-sender.js';

export interface ResumedLog {
  /** The final-update loop's trace: the rest of the log, from where GitLab's copy ends. */
  readonly trace: FinalUpdateTrace;
  readonly size: number;
  readonly checksum: string;
  /** Appends `text` to the kept file and makes it durable. */
  append(text: string): void;
  /** Closes the file (it stays on disk until its job is forgotten). */
  close(): void;
}

/** Undefined when no log was kept for the job; throws when the file cannot be read. */
export function openResumedLog(
  deps: { clock: Clock; logger: Logger; api: RunnerApi },
  job: JobRef,
  file: string,
): ResumedLog | undefined {
  const buffer = TraceBuffer.reopen(file);
  if (!buffer) return undefined;
  const sender = createTraceSender(deps, {
    job,
    buffer,
    updateIntervalMs: DEFAULT_UPDATE_INTERVAL_MS,
    forceSendIntervalMs: DEFAULT_FORCE_SEND_INTERVAL_MS,
    onCancelRequested: () => undefined,
    // The final-update loop ends on the abort itself (flushAll answers 'abort').
    onAbort: () => undefined,
    probeFirst: true,
  });
  return {
    trace: jobLogFinalTrace(buffer, sender),
    get size() {
      return buffer.size;
    },
    get checksum() {
      return buffer.checksum;
    },
    append(text: string): void {
      buffer.append(Buffer.from(text, 'utf8'));
      buffer.sync();
    },
    close: () => buffer.close(),
  };
}
