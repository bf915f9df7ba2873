/**
 * The record of in-flight jobs that lets a restarted manager finish what a crashed one left
 * (jobs with their tokens, where they ran, and the final state being delivered). Implemented by
 * the state store in manager/state/. The two events a crash must not lose — a job received, a final state
 * decided — resolve once they are on disk; the caller waits before going on.
 */
import type { UpdateJobRequest } from '../gitlab/runner-api.js';
import { InstanceInterruptedError } from '../fleet/fleet.js';

/** What the journal needs of a job; a JobPayload has it, and so has an unreadable payload. */
export interface JournalJob {
  id: number;
  token: string;
  job_info: { name: string };
}

export interface JobJournal {
  /** GitLab handed us the job (before any instance): on disk when the promise resolves. */
  received(job: JournalJob, runnerName: string): Promise<void>;
  /** GitLab accepted the job from us (state=running). */
  accepted(job: JournalJob, runnerName: string): void;
  /** The job began on an instance. */
  started(job: JournalJob, instanceId: string, runnerName: string): void;
  /**
   * The final state is decided and about to be sent (with checksum and size of the complete
   * log): on disk when the promise resolves, so a restart re-sends this state, not `failed`.
   */
  finishing(jobId: number, update: UpdateJobRequest): Promise<void>;
  /** GitLab has the final state (or the job was aborted upstream). */
  finished(jobId: number): void;
}

/** A reason an acquisition's signal was aborted, in words for the job log. */
export function describeLoss(reason: unknown, instanceId: string): string {
  if (reason instanceof InstanceInterruptedError) {
    return `Instance ${instanceId} is being taken back by the cloud (${reason.message}; deadline ${new Date(reason.deadlineMs).toISOString()})`;
  }
  if (reason instanceof Error) return `Instance ${instanceId} was lost (${reason.message})`;
  return `Instance ${instanceId} was lost`;
}
