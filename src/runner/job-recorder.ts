/**
 * The job history port: one record per job the runner handled, written when the job ends (the
 * manager's history part appends it to its JSON-lines file). Never a token or a variable: only
 * ids, names, times, where it ran and how it ended.
 */
import type { Clock } from '../platform/clock.js';
import type { Fleet, FleetInstanceView } from '../fleet/fleet.js';
import type { JobTimings } from '../executors/executor.js';
import type { JobPayload } from '../gitlab/job-payload.js';

export interface RecordedJob {
  kind: 'job';
  jobId: number;
  runner: string;
  name: string;
  /** Project path (`group/name`), else its id. */
  project: string;
  /**
   * The tags of the runner that took the job (GitLab's `CI_RUNNER_TAGS` variable). The job
   * payload carries no field with the job's own `tags:`; empty when the variable is absent.
   */
  tags: string[];
  /** When GitLab queued it: received minus GitLab's `time_in_queue_seconds`, when it says. */
  queuedAtMs?: number;
  receivedAtMs: number;
  /** The last (re)start on an instance; absent when it never got one. */
  startedAtMs?: number;
  finishedAtMs: number;
  /** Time in GitLab's queue before a runner picked it up (`time_in_queue_seconds`). */
  pickupMs?: number;
  /** Received to first start: waiting for an instance (boot and ready-up when cold). */
  instanceWaitMs?: number;
  /**
   * The part of instanceWaitMs its first instance spent booting and readying after the job
   * arrived (a cold start); absent when the instance was ready before. bootMs + readyUpMs.
   */
  coldStartMs?: number;
  /** The cloud's part of coldStartMs: launch (or the job's arrival) to running. */
  bootMs?: number;
  /** spotrunner's part of coldStartMs: running to ready (SSH, instance_ready_command). */
  readyUpMs?: number;
  /**
   * Time the executor spent pulling images for the job (docker-autoscaler; every run summed),
   * 0 when they were on the instance already; absent for executors that pull none.
   */
  imagePullMs?: number;
  instanceId?: string;
  instanceType?: string;
  lifecycle?: string;
  /** Each run on an instance, the lost ones before a rerun included. */
  runs: RecordedRun[];
  reruns: number;
  interruptions: number;
  result: string;
  failureReason?: string;
}

export interface RecordedRun {
  instanceId: string;
  startedAtMs: number;
  endedAtMs: number;
}

export interface JobRecorder {
  jobFinished(job: RecordedJob): void;
}

/**
 * How much of a job's wait after `receivedAtMs` its instance spent starting: coldStartMs from
 * launch (or arrival, if later) to ready, split at the time the fleet saw it running into
 * bootMs and readyUpMs. Empty when the instance was ready before the job arrived.
 */
export function splitColdStart(
  receivedAtMs: number,
  view: Pick<FleetInstanceView, 'launchedAtMs' | 'runningAtMs' | 'readyAtMs'>,
): Pick<RecordedJob, 'coldStartMs' | 'bootMs' | 'readyUpMs'> {
  const ready = view.readyAtMs;
  if (ready === undefined || ready <= receivedAtMs) return {};
  const from = Math.max(receivedAtMs, view.launchedAtMs ?? receivedAtMs);
  const coldStartMs = ready - from;
  if (view.runningAtMs === undefined) return { coldStartMs };
  const running = Math.min(ready, Math.max(from, view.runningAtMs));
  return { coldStartMs, bootMs: running - from, readyUpMs: ready - running };
}

const MAX_TAGS = 50;
const MAX_TAG_CHARS = 255;

/**
 * `CI_RUNNER_TAGS` as GitLab sends it: a JSON array (`["docker", "arm64"]`, current GitLab) or a
 * comma-separated list (older versions). Never a masked variable's value; at most 50 tags.
 */
export function runnerTagsOf(job: Pick<JobPayload, 'variables'>): string[] {
  const v = job.variables.findLast((x) => x.key === 'CI_RUNNER_TAGS');
  if (!v || v.masked) return [];
  const text = v.value.trim();
  let tags: unknown[] = [];
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) tags = parsed;
    } catch {
      // Not JSON after all: read it as a list.
      tags = text.replace(/^\[|\]$/g, '').split(',');
    }
  } else {
    tags = text.split(',');
  }
  const out = tags
    .filter((t): t is string => typeof t === 'string')
    .map((t) =>
      t
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .slice(0, MAX_TAG_CHARS),
    )
    .filter((t) => t !== '');
  return [...new Set(out)].slice(0, MAX_TAGS);
}

/** Collects one job's record as the handler goes; `done` hands it to the recorder. */
export interface JobTally extends JobTimings {
  started(instanceId: string): void;
  lost(): void;
  done(result: string, failureReason?: string): void;
}

const NOOP: JobTally = {
  started: () => undefined,
  lost: () => undefined,
  imagesPulled: () => undefined,
  done: () => undefined,
};

export function startJobTally(
  deps: { clock: Clock; fleet: Pick<Fleet, 'status'>; recorder?: JobRecorder },
  runner: string,
  job: JobPayload,
): JobTally {
  const recorder = deps.recorder;
  if (!recorder) return NOOP;
  const info = job.job_info;
  const receivedAtMs = deps.clock.now();
  const inQueue = info.time_in_queue_seconds;
  const rec: RecordedJob = {
    kind: 'job',
    jobId: job.id,
    runner,
    name: info.name,
    project: info.project_full_path ?? (info.project_name || String(info.project_id)),
    tags: runnerTagsOf(job),
    ...(typeof inQueue === 'number'
      ? { queuedAtMs: receivedAtMs - Math.round(inQueue * 1000), pickupMs: inQueue * 1000 }
      : {}),
    receivedAtMs,
    finishedAtMs: receivedAtMs,
    runs: [],
    reruns: 0,
    interruptions: 0,
    result: 'failed',
  };
  let done = false;
  const endRun = (): void => {
    const last = rec.runs.at(-1);
    if (last && last.endedAtMs < 0) last.endedAtMs = deps.clock.now();
  };
  return {
    started(instanceId) {
      const now = deps.clock.now();
      if (rec.startedAtMs === undefined) rec.instanceWaitMs = now - receivedAtMs;
      else rec.reruns++;
      endRun();
      rec.startedAtMs = now;
      rec.instanceId = instanceId;
      rec.runs.push({ instanceId, startedAtMs: now, endedAtMs: -1 });
      const view = deps.fleet.status().instances.find((i) => i.id === instanceId);
      if (rec.runs.length === 1 && view) Object.assign(rec, splitColdStart(receivedAtMs, view));
      if (view?.instanceType) rec.instanceType = view.instanceType;
      if (view?.lifecycle) rec.lifecycle = view.lifecycle;
    },
    lost() {
      endRun();
      rec.interruptions++;
    },
    imagesPulled(ms) {
      rec.imagePullMs = (rec.imagePullMs ?? 0) + Math.max(0, Math.round(ms));
    },
    done(result, failureReason) {
      if (done) return;
      done = true;
      endRun();
      rec.finishedAtMs = deps.clock.now();
      rec.result = result;
      if (failureReason) rec.failureReason = failureReason;
      recorder.jobFinished(rec);
    },
  };
}
