/**
 * What `/health` answers: ok when the manager runs and every runner's loop is running and has
 * had an answer from GitLab within `gitlabUnreachableMs`, and the state file can be written.
 * Otherwise not ok, with every reason (for a readiness probe, a load balancer, a person). A
 * reason names runners, states and durations, never a token.
 */
import { formatDurationMs } from '../platform/durations.js';
import type { LifecycleState } from '../platform/lifecycle.js';
import type { ManagerStatus, RunnerStatusView } from './manager.js';

/** Default: how long job requests may go unanswered before the manager is not healthy. */
export const DEFAULT_GITLAB_UNREACHABLE_MS = 5 * 60_000;

export interface HealthOptions {
  gitlabUnreachableMs: number;
}

export interface HealthReport {
  ok: boolean;
  state: LifecycleState;
  /** Why not ok, most important first; empty when ok. */
  reasons: string[];
}

const MANAGER_NOT_RUNNING: Record<Exclude<LifecycleState, 'running'>, string> = {
  idle: 'manager is starting',
  draining: 'manager is stopping',
  stopped: 'manager has stopped',
  failed: 'manager failed',
};

function runnerReasons(r: RunnerStatusView, nowMs: number, options: HealthOptions): string[] {
  const name = `runner "${r.name}"`;
  switch (r.state) {
    case 'starting':
      return [`${name} is starting`];
    case 'failed':
      return [`${name} is not running: ${r.error ?? 'it failed to start'}`];
    case 'stopped':
      return [`${name} has stopped`];
    case 'running':
      break;
  }
  const loop = r.loop;
  if (!loop) return [`${name} has no runner loop`];
  if (loop.state !== 'running') return [`${name} loop is ${loop.state}`];
  const since = loop.gitlabUnreachableSinceMs;
  if (since !== undefined && nowMs - since >= options.gitlabUnreachableMs) {
    const detail = loop.lastError ? ` (last error: ${loop.lastError})` : '';
    return [
      `${name}: GitLab has not answered job requests for ${formatDurationMs(nowMs - since)}, unreachable or refusing the token${detail}`,
    ];
  }
  return [];
}

export function assessHealth(
  status: ManagerStatus,
  nowMs: number,
  options: HealthOptions,
): HealthReport {
  const reasons: string[] = [];
  if (status.state !== 'running') reasons.push(MANAGER_NOT_RUNNING[status.state]);
  else if (status.runners.length === 0) reasons.push('no runner is configured');
  if (status.state === 'running') {
    for (const r of status.runners) reasons.push(...runnerReasons(r, nowMs, options));
  }
  const state = status.parts.find((p) => p.name === 'state');
  if (typeof state?.writeError === 'string') {
    reasons.push(`state file cannot be written: ${state.writeError}`);
  }
  return { ok: reasons.length === 0, state: status.state, reasons };
}
