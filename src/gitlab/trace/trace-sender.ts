/**
 * Sends the stored log to GitLab in PATCHes of at most 1 MiB from the confirmed offset, touches
 * the job (`PUT state=running`) after a silence, and turns answers into signals
 * (gitlab-runner-protocol.md §3.4, §4.3; gitlab-runner `network/trace.go`).
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { JobRef, PatchTraceResult, RunnerApi, UpdateJobResult } from '../runner-api.js';
import type { TraceBuffer } from './trace-buffer.js';

export const DEFAULT_UPDATE_INTERVAL_MS = 3000;
export const DEFAULT_FORCE_SEND_INTERVAL_MS = 30_000;
export const MAX_PATCH_BYTES = 1024 * 1024;

export type FlushResult = 'done' | 'abort' | 'failed';

export interface TraceSenderOptions {
  job: JobRef;
  buffer: TraceBuffer;
  updateIntervalMs: number;
  forceSendIntervalMs: number;
  onCancelRequested: () => void;
  /** GitLab said the job is over (403, Job-Status canceled/failed). */
  onAbort: (remoteStatus: string | undefined) => void;
}

export interface TraceSender {
  readonly sentOffset: number;
  readonly intervalMs: number;
  /** HTTP status of the last trace patch; undefined when it got no answer. */
  readonly lastPatchStatus: number | undefined;
  /** One incremental update: next patch, then a touch if nothing went out for a while. */
  tick(signal?: AbortSignal): Promise<void>;
  /** Patches until everything stored is confirmed (final flush). */
  flushAll(signal?: AbortSignal): Promise<FlushResult>;
  /** Applies interval/cancel/abort from a PUT answer. */
  noteUpdate(result: UpdateJobResult): void;
  /** Starts over from byte 0 (412 on the final update). */
  rewind(): void;
  resetInterval(): void;
}

export function createTraceSender(
  deps: { clock: Clock; logger: Logger; api: RunnerApi },
  o: TraceSenderOptions,
): TraceSender {
  let sentOffset = 0;
  let intervalMs = o.updateIntervalMs;
  let lastSentAtMs = deps.clock.now();
  let lastPatchStatus: number | undefined;

  const note = (r: { updateIntervalMs?: number; cancelRequested: boolean }): void => {
    if (r.updateIntervalMs !== undefined) intervalMs = r.updateIntervalMs;
    if (r.cancelRequested) o.onCancelRequested();
  };

  const sendPatch = async (signal?: AbortSignal): Promise<PatchTraceResult['kind']> => {
    const chunk = o.buffer.read(sentOffset, MAX_PATCH_BYTES);
    if (chunk.length === 0) return 'ok';
    const r = await deps.api.patchTrace(o.job, chunk, sentOffset, signal);
    lastPatchStatus = r.status;
    note(r);
    if (r.kind === 'ok' || r.kind === 'range-mismatch') {
      if (r.kind === 'range-mismatch' && r.sentOffset > o.buffer.size) {
        deps.logger.warn(
          { jobId: o.job.id, remoteLength: r.sentOffset, size: o.buffer.size },
          'gitlab holds more trace than was written',
        );
      }
      sentOffset = Math.max(0, Math.min(r.sentOffset, o.buffer.size));
      lastSentAtMs = deps.clock.now();
    }
    if (r.kind === 'abort') o.onAbort(r.remoteStatus);
    return r.kind;
  };

  const noteUpdate = (r: UpdateJobResult): void => {
    note(r);
    if (r.kind === 'abort' && !r.transportError) o.onAbort(r.remoteStatus);
  };

  const touch = async (signal?: AbortSignal): Promise<void> => {
    if (deps.clock.now() - lastSentAtMs < o.forceSendIntervalMs) return;
    const r = await deps.api.updateJob(
      o.job,
      { state: 'running', checksum: o.buffer.checksum, bytesize: o.buffer.size },
      signal,
    );
    noteUpdate(r);
    if (r.kind === 'succeeded') lastSentAtMs = deps.clock.now();
  };

  return {
    get sentOffset(): number {
      return sentOffset;
    },
    get intervalMs(): number {
      return intervalMs;
    },
    get lastPatchStatus(): number | undefined {
      return lastPatchStatus;
    },
    async tick(signal?: AbortSignal): Promise<void> {
      if ((await sendPatch(signal)) === 'ok') await touch(signal);
    },
    async flushAll(signal?: AbortSignal): Promise<FlushResult> {
      let mismatches = 0;
      while (sentOffset < o.buffer.size) {
        const kind = await sendPatch(signal);
        if (kind === 'abort') return 'abort';
        if (kind === 'failed') return 'failed';
        if (kind === 'not-found') return 'done'; // as gitlab-runner: go on to the final PUT
        if (kind === 'range-mismatch') {
          if (++mismatches > 10) return 'failed';
          await deps.clock.sleep(intervalMs, signal);
        }
      }
      return 'done';
    },
    noteUpdate,
    rewind(): void {
      sentOffset = 0;
    },
    resetInterval(): void {
      intervalMs = DEFAULT_UPDATE_INTERVAL_MS;
    },
  };
}
