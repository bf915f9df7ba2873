/** Builds job records for a new pipeline and for retry clones. */
import type { CiJob } from '../ci/ci-config.js';
import type { JobRecord } from './records.js';
import { newJobToken } from './tokens.js';
import { TraceLog } from './trace-log.js';

export interface NewJobInput {
  id: number;
  pipelineId: number;
  projectId: number;
  spec: CiJob;
  stageIndex: number;
  nowMs: number;
  /** Secrets hidden in the stored trace besides the job token (the registration token). */
  traceSecrets: readonly string[];
}

export function newJobRecord(input: NewJobInput): JobRecord {
  const token = newJobToken();
  return {
    id: input.id,
    pipelineId: input.pipelineId,
    projectId: input.projectId,
    name: input.spec.name,
    stage: input.spec.stage,
    stageIndex: input.stageIndex,
    spec: input.spec,
    status: 'created',
    token,
    retried: false,
    awaitingAck: false,
    twoPhase: false,
    cancelGracefully: false,
    debugTrace: false,
    createdAtMs: input.nowMs,
    updatedAtMs: input.nowMs,
    trace: new TraceLog([token, ...input.traceSecrets]),
    artifacts: [],
    notes: [],
  };
}
