/**
 * The job history port: one record per job the runner handled, written when the job ends (the
 * manager's history part appends it to its JSON-lines file). Never a token or a variable: only
 * ids, names, times, where it ran and how it ended.
 */
import type { Clock } from '../platform/clock.js';
import type { Fleet } from '../fleet/fleet.js';
import type { JobPayload } from '../gitlab/job-payload.js';

export interface RecordedJob {
  kind: 'job';
  jobId: number;
  runner: string;
  name: string;
  /** Project path (`group/name`), else its id. */
  project: string;
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
  instanceId?: string;
  instanceType?: string;
  lifecycle?: string;
  reruns: number;
  interruptions: number;
  result: string;
  failureReason?: string;
}

export interface JobRecorder {
  jobFinished(job: RecordedJob): void;
}

/** Collects one job's record as the handler goes; `done` hands it to the recorder. */
export interface JobTally {
  started(instanceId: string): void;
  lost(): void;
  done(result: string, failureReason?: string): void;
}

const NOOP: JobTally = { started: () => undefined, lost: () => undefined, done: () => undefined };

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
    tags: [],
    ...(typeof inQueue === 'number'
      ? { queuedAtMs: receivedAtMs - Math.round(inQueue * 1000), pickupMs: inQueue * 1000 }
      : {}),
    receivedAtMs,
    finishedAtMs: receivedAtMs,
    reruns: 0,
    interruptions: 0,
    result: 'failed',
  };
  let done = false;
  return {
    started(instanceId) {
      const now = deps.clock.now();
      if (rec.startedAtMs === undefined) rec.instanceWaitMs = now - receivedAtMs;
      else rec.reruns++;
      rec.startedAtMs = now;
      rec.instanceId = instanceId;
      const view = deps.fleet.status().instances.find((i) => i.id === instanceId);
      if (view?.instanceType) rec.instanceType = view.instanceType;
      if (view?.lifecycle) rec.lifecycle = view.lifecycle;
    },
    lost() {
      rec.interruptions++;
    },
    done(result, failureReason) {
      if (done) return;
      done = true;
      rec.finishedAtMs = deps.clock.now();
      rec.result = result;
      if (failureReason) rec.failureReason = failureReason;
      recorder.jobFinished(rec);
    },
  };
}
