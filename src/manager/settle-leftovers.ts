/**
 * After a crash or restart: jobs the previous run had accepted are still `running` in GitLab,
 * with nobody working on them. Fail each cleanly — a last trace line saying what happened, then
 * `state=failed, failure_reason=runner_system_failure` with the stored job token — so `retry:`
 * rules apply within seconds instead of after GitLab's stuck-job sweep (protocol §8.4).
 */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { describeError } from '../platform/errors.js';
import type { RunnerApi } from '../gitlab/runner-api.js';
import type { StateStore } from './state/state-store.js';

export interface LeftoverResult {
  failed: number[];
  gone: number[];
  errors: { jobId: number; error: string }[];
}

export async function settleLeftoverJobs(
  deps: { clock: Clock; logger: Logger; apiFor: (runnerName: string) => RunnerApi | undefined },
  store: StateStore,
): Promise<LeftoverResult> {
  const result: LeftoverResult = { failed: [], gone: [], errors: [] };
  for (const [runnerName, runner] of Object.entries(store.state.runners)) {
    for (const job of Object.values(runner.jobs)) {
      const api = deps.apiFor(runnerName);
      const log = deps.logger.child({ component: 'recovery', runner: runnerName, jobId: job.id });
      if (!api) {
        log.warn({}, 'leftover job belongs to a runner no longer configured; forgetting it');
        store.forgetJob(runnerName, job.id);
        continue;
      }
      try {
        const ref = { id: job.id, token: job.token };
        const where = job.instanceId ? ` on instance ${job.instanceId}` : '';
        const line = Buffer.from(
          `\n\x1b[31;1mERROR: The spotrunner manager stopped unexpectedly while this job ran${where}. ` +
            `Failing it as a runner system failure so retry: rules apply.\x1b[0;m\n`,
        );
        let offset = 0;
        for (let i = 0; i < 3; i++) {
          const patched = await api.patchTrace(ref, line, offset);
          if (patched.kind === 'range-mismatch') {
            offset = patched.sentOffset;
            continue;
          }
          break;
        }
        const update = await api.updateJob(ref, {
          state: 'failed',
          failureReason: 'runner_system_failure',
        });
        // GitLab answers our `failed` with 200 + `Job-Status: failed` (kind abort): delivered.
        if (update.kind === 'abort' && update.status !== 200) {
          log.info({}, 'leftover job already finished in gitlab');
          result.gone.push(job.id);
        } else {
          log.warn({ instanceId: job.instanceId }, 'failed a job left running by a previous run');
          result.failed.push(job.id);
        }
        store.forgetJob(runnerName, job.id);
      } catch (err: unknown) {
        log.error(
          { err: describeError(err) },
          'cannot settle leftover job; will retry at next start',
        );
        result.errors.push({ jobId: job.id, error: describeError(err) });
      }
    }
  }
  await store.flush();
  return result;
}
