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
  /**
   * How much of the log GitLab holds is unknown (a log an earlier run sent part of): the first
   * patch carries one byte from 0, and GitLab's answer (202, or 416 with its length in `Range`)
   * says where to go on, so nothing GitLab has is sent again in bulk.
   */
  probeFirst?: boolean;
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
  options: TraceSenderOptions,
): TraceSender {
  return new PatchSender(deps, options);
}

class PatchSender implements TraceSender {
  readonly #deps: { clock: Clock; logger: Logger; api: RunnerApi };
  readonly #o: TraceSenderOptions;
  #sentOffset = 0;
  #intervalMs: number;
  #lastSentAtMs: number;
  #lastPatchStatus: number | undefined;
  #probing: boolean;
  /** The last patch was the probe (its 416 is expected: no wait before going on). */
  #lastWasProbe = false;

  constructor(deps: { clock: Clock; logger: Logger; api: RunnerApi }, options: TraceSenderOptions) {
    this.#deps = deps;
    this.#o = options;
    this.#probing = options.probeFirst === true;
    this.#intervalMs = options.updateIntervalMs;
    this.#lastSentAtMs = deps.clock.now();
  }

  get sentOffset(): number {
    return this.#sentOffset;
  }
  get intervalMs(): number {
    return this.#intervalMs;
  }
  get lastPatchStatus(): number | undefined {
    return this.#lastPatchStatus;
  }

  async tick(signal?: AbortSignal): Promise<void> {
    if ((await this.#sendPatch(signal)) === 'ok') await this.#touch(signal);
  }

  async flushAll(signal?: AbortSignal): Promise<FlushResult> {
    let mismatches = 0;
    while (this.#sentOffset < this.#o.buffer.size) {
      const kind = await this.#sendPatch(signal);
      if (kind === 'abort') return 'abort';
      if (kind === 'failed') return 'failed';
      if (kind === 'not-found') return 'done'; // as gitlab-runner: go on to the final PUT
      if (kind === 'range-mismatch' && !this.#lastWasProbe) {
        if (++mismatches > 10) return 'failed';
        await this.#deps.clock.sleep(this.#intervalMs, signal);
      }
    }
    return 'done';
  }

  noteUpdate(r: UpdateJobResult): void {
    this.#note(r);
    if (r.kind === 'abort') this.#o.onAbort(r.remoteStatus);
  }

  rewind(): void {
    this.#sentOffset = 0;
  }

  resetInterval(): void {
    this.#intervalMs = DEFAULT_UPDATE_INTERVAL_MS;
  }

  #note(r: { updateIntervalMs?: number; cancelRequested: boolean }): void {
    if (r.updateIntervalMs !== undefined) this.#intervalMs = r.updateIntervalMs;
    if (r.cancelRequested) this.#o.onCancelRequested();
  }

  async #sendPatch(signal?: AbortSignal): Promise<PatchTraceResult['kind']> {
    const { buffer, job } = this.#o;
    const chunk = buffer.read(this.#sentOffset, this.#probing ? 1 : MAX_PATCH_BYTES);
    if (chunk.length === 0) return 'ok';
    this.#lastWasProbe = this.#probing;
    const r = await this.#deps.api.patchTrace(job, chunk, this.#sentOffset, signal);
    this.#lastPatchStatus = r.status;
    this.#note(r);
    if (r.kind === 'ok' || r.kind === 'range-mismatch') {
      if (r.kind === 'range-mismatch' && r.sentOffset > buffer.size) {
        this.#deps.logger.warn(
          { jobId: job.id, remoteLength: r.sentOffset, size: buffer.size },
          'gitlab holds more trace than was written',
        );
      }
      this.#sentOffset = Math.max(0, Math.min(r.sentOffset, buffer.size));
      this.#lastSentAtMs = this.#deps.clock.now();
      this.#probing = false;
    }
    if (r.kind === 'abort') this.#o.onAbort(r.remoteStatus);
    return r.kind;
  }

  async #touch(signal?: AbortSignal): Promise<void> {
    const { clock, api } = this.#deps;
    if (clock.now() - this.#lastSentAtMs < this.#o.forceSendIntervalMs) return;
    const { buffer, job } = this.#o;
    const r = await api.updateJob(
      job,
      { state: 'running', checksum: buffer.checksum, bytesize: buffer.size },
      signal,
    );
    this.noteUpdate(r);
    if (r.kind === 'succeeded') this.#lastSentAtMs = clock.now();
  }
}
