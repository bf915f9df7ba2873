/**
 * The record of in-flight jobs that lets a restarted manager finish what a crashed one left
 * (jobs with their tokens, and where they ran). Implemented by the state store in manager/state/.
 */
import type { JobPayload } from '../gitlab/job-payload.js';
import { SpotrunnerError } from '../platform/errors.js';

export interface JobJournal {
  /** GitLab accepted the job from us (state=running). */
  accepted(job: JobPayload, runnerName: string): void;
  /** The job began on an instance. */
  started(job: JobPayload, instanceId: string, runnerName: string): void;
  /** GitLab has the final state (or the job was aborted upstream). */
  finished(jobId: number): void;
}

/** A reason an acquisition's signal was aborted, in words for the job log. */
export function describeLoss(reason: unknown, instanceId: string): string {
  if (reason instanceof SpotrunnerError && reason.code === 'instance_lost') {
    const deadline = (reason as SpotrunnerError & { deadlineMs?: number }).deadlineMs;
    if (typeof deadline === 'number') {
      return `Instance ${instanceId} is being taken back by the cloud (${reason.message}; deadline ${new Date(deadline).toISOString()})`;
    }
    return `Instance ${instanceId} was lost (${reason.message})`;
  }
  if (reason instanceof Error) return `Instance ${instanceId} was lost (${reason.message})`;
  return `Instance ${instanceId} was lost`;
}
