/**
 * Runs one stage script on the instance: `bash -s` with the script on stdin (secrets never
 * reach argv), output streamed to the trace, stopped on a deadline, a cancel or an abort.
 * Stopping runs the kill script in a separate exec (TERM to the stage's process group, KILL
 * after a grace period), because SSH signal requests reach only the top process, then closes
 * the stage's own exec if it has not ended by itself.
 */
import type { InstanceConnection } from '../../connect/connection.js';
import type { Clock } from '../../platform/clock.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { TraceSink } from '../executor.js';
import type { BuildLayout } from '../script/build-layout.js';
import { renderKillScript } from '../script/stage-script.js';
import {
  settleWithin,
  superviseStage,
  type StageLimits,
  type StageResult,
} from '../stage-supervisor.js';

export interface StageRunnerDeps {
  connection: InstanceConnection;
  trace: TraceSink;
  clock: Clock;
  logger: Logger;
  layout: BuildLayout;
  /** Command that reads a script on stdin, e.g. `bash -s`. */
  shellCommand: string;
  killGraceMs: number;
  /** How long to wait for the stage's exec to end after the kill script, before closing it. */
  settleMs: number;
  /**
   * Run the stage under the connection's kill wrapper (`processGroup`), so that its whole process
   * tree also dies when the connection is lost or the manager dies: sshd leaves it running then.
   * Needs `setsid` on the instance (Linux).
   */
  processGroup: boolean;
}

export async function runStage(
  deps: StageRunnerDeps,
  script: string,
  limits: StageLimits,
): Promise<StageResult> {
  const exec = new AbortController();
  return superviseStage(deps.clock, limits, {
    start: async () => {
      const result = await deps.connection.exec(deps.shellCommand, {
        stdin: script,
        onStdout: (chunk) => deps.trace.write(chunk),
        onStderr: (chunk) => deps.trace.write(chunk),
        signal: exec.signal,
        killSignal: 'TERM',
        processGroup: deps.processGroup,
      });
      if (result.exitCode !== null) return { code: result.exitCode };
      const signal = result.signal ?? 'no signal';
      return { code: null, why: `the connection ended without an exit status (${signal})` };
    },
    stop: (why, settled) => killStage(deps, why === 'abort' ? 0 : deps.killGraceMs, settled, exec),
    describeLoss: (err) => describeError(err),
  });
}

async function killStage(
  deps: StageRunnerDeps,
  graceMs: number,
  settled: Promise<void>,
  exec: AbortController,
): Promise<void> {
  // A hung connection must not hang the job: the kill exec gets its own time limit.
  const killLimit = new AbortController();
  const cancelLimit = deps.clock.schedule(graceMs + deps.settleMs, () => killLimit.abort());
  try {
    const result = await deps.connection.exec(deps.shellCommand, {
      stdin: renderKillScript(deps.layout, graceMs),
      signal: killLimit.signal,
    });
    if (result.exitCode !== 0) {
      deps.logger.warn({ exitCode: result.exitCode }, 'stage kill script failed');
    }
  } catch (err: unknown) {
    deps.logger.warn({ err: describeError(err) }, 'cannot run the stage kill script');
  } finally {
    cancelLimit();
  }
  await settleWithin(deps.clock, settled, deps.settleMs);
  exec.abort();
}
