/**
 * Live progress lines for `spotrunner sandbox`: each job state change (and GitLab's "stuck"
 * message when no runner can take a pending job) and each change in the fleet (instances
 * creating, ready, removed), stamped with the time since the start.
 */
import type { Clock } from '../../platform/clock.js';
import type { SandboxServer } from '../../sandbox/index.js';
import type { Manager } from '../../manager/manager.js';

export interface SandboxProgress {
  flush(): void;
  stop(): void;
  /** Resolves when the fleet has no instance left, or after `timeoutMs`, or on abort. */
  waitForNoInstances(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

export function createSandboxProgress(deps: {
  clock: Clock;
  server: SandboxServer;
  manager: Manager;
  out: (line: string) => void;
}): SandboxProgress {
  const t0 = deps.clock.now();
  const stamp = (): string => {
    const s = Math.floor((deps.clock.now() - t0) / 1000);
    return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]`;
  };
  const jobStates = new Map<number, string>();
  let fleetLine = '';
  const instanceStates = new Map<string, string>();

  const checkJobs = (): void => {
    for (const p of deps.server.pipelines()) {
      for (const job of p.jobs) {
        const before = jobStates.get(job.id);
        const state = `${job.status}${job.stuck ? ' (stuck)' : ''}`;
        if (before === state) continue;
        jobStates.set(job.id, state);
        if (before === undefined && job.status === 'created') continue;
        const extra = job.failureReason ? ` (${job.failureReason})` : '';
        const stuck = job.stuck && job.status === 'pending' ? `. ${job.stuck}` : '';
        deps.out(`${stamp()} job ${job.name} #${job.id}: ${job.status}${extra}${stuck}`);
      }
    }
  };
  const instanceCount = (): number =>
    deps.manager.status().runners.reduce((n, r) => n + (r.fleet?.instances.length ?? 0), 0);
  const checkFleet = (): void => {
    const seen = new Set<string>();
    for (const r of deps.manager.status().runners) {
      for (const i of r.fleet?.instances ?? []) {
        seen.add(i.id);
        if (instanceStates.get(i.id) === i.status) continue;
        instanceStates.set(i.id, i.status);
        const why = i.removalReason ? ` (${i.removalReason})` : '';
        deps.out(`${stamp()} instance ${i.id}: ${i.status}${why}`);
      }
    }
    for (const id of [...instanceStates.keys()]) {
      if (!seen.has(id)) {
        instanceStates.delete(id);
        deps.out(`${stamp()} instance ${id}: gone`);
      }
    }
    const line = `${instanceCount()} instance(s)`;
    if (line !== fleetLine) fleetLine = line;
  };
  const unsubscribe = deps.server.onChange(checkJobs);
  let cancel = deps.clock.schedule(0, function tick() {
    checkFleet();
    cancel = deps.clock.schedule(500, tick);
  });
  return {
    flush(): void {
      checkJobs();
      checkFleet();
    },
    stop(): void {
      unsubscribe();
      cancel();
    },
    async waitForNoInstances(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
      const end = deps.clock.now() + timeoutMs;
      while (deps.clock.now() < end && !signal?.aborted) {
        checkFleet();
        if (instanceCount() === 0) {
          deps.out(`${stamp()} fleet is back to zero instances`);
          return true;
        }
        await deps.clock.sleep(500, signal).catch(() => undefined);
      }
      return false;
    },
  };
}
