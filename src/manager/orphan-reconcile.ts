/**
 * Orphan reconcile: instances tagged `spotrunner:manager = <this manager>` that no fleet of this
 * manager knows and that are older than `[runners.spotrunner] orphan_grace` cost money until
 * someone ends them (left by a crash, detached from their group, or from a group no longer
 * configured). At start and then periodically they are terminated — with
 * TerminateInstanceInAutoScalingGroup (decrementing desired capacity) when they are in one of
 * this manager's groups, otherwise with EC2 TerminateInstances — each logged with the reason.
 * Instances tagged for another manager are never touched.
 */
import type { Clock } from '../platform/clock.js';
import { describeError } from '../platform/errors.js';
import { formatDurationMs } from '../platform/durations.js';
import type { Logger } from '../platform/logger.js';
import {
  findTaggedInstances,
  terminateEc2Instances,
  terminateGroupInstances,
  type TaggedInstance,
} from '../providers/aws/index.js';
import type { AwsGroupHandle } from '../providers/aws/group-handle.js';

/** One runner as orphan reconcile sees it. */
export interface OrphanScope {
  runnerName: string;
  orphanGraceMs: number;
  awsGroups: readonly AwsGroupHandle[];
  /** Instance ids the runner's fleet knows now. */
  knownIds(): readonly string[];
  /**
   * false while the runner is not running (its provider failed to start and is retried): its
   * instances are left alone, since no fleet can know them yet. Default true.
   */
  running?: boolean;
}

export interface OrphanReconcileDeps {
  clock: Clock;
  logger: Logger;
  managerName: string;
  scopes: () => readonly OrphanScope[];
}

export interface OrphanAction {
  id: string;
  via: 'autoscaling' | 'ec2';
  groupName?: string;
  reason: string;
}

export interface OrphanResult {
  terminated: OrphanAction[];
  /** Unknown instances still within their grace period. */
  waiting: string[];
  errors: string[];
}

function isKnown(id: string, scopes: readonly OrphanScope[], known: ReadonlySet<string>): boolean {
  return known.has(id) || scopes.some((s) => s.awsGroups.some((g) => g.provider.ownsInstance(id)));
}

/** Looks once through every account/endpoint the configured aws groups use. */
export async function reconcileOrphans(
  deps: OrphanReconcileDeps,
  signal?: AbortSignal,
): Promise<OrphanResult> {
  const result: OrphanResult = { terminated: [], waiting: [], errors: [] };
  const scopes = deps.scopes();
  const handles = scopes.flatMap((s) => s.awsGroups);
  if (handles.length === 0) return result;
  const known = new Set(scopes.flatMap((s) => s.knownIds()));
  const maxGraceMs = Math.max(...scopes.map((s) => s.orphanGraceMs));
  const byClient = new Map<string, AwsGroupHandle[]>();
  for (const h of handles) byClient.set(h.clientKey, [...(byClient.get(h.clientKey) ?? []), h]);
  for (const group of byClient.values()) {
    let tagged: TaggedInstance[];
    try {
      tagged = await findTaggedInstances(group[0]!.clients.ec2, {
        managerName: deps.managerName,
        signal,
      });
    } catch (err: unknown) {
      result.errors.push(describeError(err));
      deps.logger.warn(
        { err: describeError(err) },
        'orphan check failed (needs ec2:DescribeInstances)',
      );
      continue;
    }
    const now = deps.clock.now();
    for (const t of tagged) {
      if (t.managerName !== deps.managerName || isKnown(t.id, scopes, known)) continue;
      const owner = scopes.find((s) => s.runnerName === t.runnerName);
      const graceMs = owner?.orphanGraceMs ?? maxGraceMs;
      if (owner?.running === false) {
        result.waiting.push(t.id);
        continue;
      }
      const ageMs = t.launchedAtMs === undefined ? undefined : now - t.launchedAtMs;
      if (ageMs === undefined || ageMs < graceMs) {
        result.waiting.push(t.id);
        continue;
      }
      const ours = group.find((h) => h.options.groupName === t.groupName);
      const reason = `tagged for this manager, known to no fleet, ${formatDurationMs(ageMs)} old (orphan_grace ${formatDurationMs(graceMs)})`;
      const action = await terminateOrphan(deps, t, ours, group[0]!, reason, signal);
      if (typeof action === 'string') result.errors.push(action);
      else result.terminated.push(action);
    }
  }
  return result;
}

async function terminateOrphan(
  deps: OrphanReconcileDeps,
  t: TaggedInstance,
  ours: AwsGroupHandle | undefined,
  any: AwsGroupHandle,
  reason: string,
  signal?: AbortSignal,
): Promise<OrphanAction | string> {
  const fields = { instanceId: t.id, group: t.groupName, runner: t.runnerName, reason };
  try {
    if (ours) {
      const done = await terminateGroupInstances(
        { autoscaling: ours.clients.autoscaling, logger: deps.logger },
        [t.id],
        signal,
      );
      if (done.includes(t.id)) {
        deps.logger.warn({ ...fields, via: 'autoscaling' }, 'terminating orphan instance');
        return { id: t.id, via: 'autoscaling', groupName: ours.options.groupName, reason };
      }
      // Not in the group any more (detached): end it as a plain instance.
    }
    const done = await terminateEc2Instances((ours ?? any).clients.ec2, [t.id], signal);
    if (!done.includes(t.id)) return `${t.id}: TerminateInstances did not report it`;
    deps.logger.warn({ ...fields, via: 'ec2' }, 'terminating orphan instance');
    return { id: t.id, via: 'ec2', ...(t.groupName ? { groupName: t.groupName } : {}), reason };
  } catch (err: unknown) {
    deps.logger.error(
      { ...fields, err: describeError(err) },
      'cannot terminate orphan instance (needs ec2:TerminateInstances)',
    );
    return `${t.id}: ${describeError(err)}`;
  }
}

export interface OrphanReconciler {
  /** Runs a check now (the timer does this every interval). */
  runOnce(): Promise<OrphanResult>;
  stop(): void;
}

/** Checks at once, then every `intervalMs`; one check at a time. */
export function startOrphanReconciler(
  deps: OrphanReconcileDeps,
  options: { intervalMs: number },
): OrphanReconciler {
  const log = deps.logger.child({ component: 'orphans' });
  const d = { ...deps, logger: log };
  const stopper = new AbortController();
  let running: Promise<OrphanResult> | undefined;
  let cancel = (): void => undefined;
  const runOnce = (): Promise<OrphanResult> =>
    (running ??= reconcileOrphans(d, stopper.signal).finally(() => {
      running = undefined;
    }));
  const tick = (): void => {
    runOnce()
      .catch((err: unknown) => log.error({ err: describeError(err) }, 'orphan check crashed'))
      .finally(() => {
        if (!stopper.signal.aborted) cancel = deps.clock.schedule(options.intervalMs, tick);
      });
  };
  tick();
  return {
    runOnce,
    stop(): void {
      stopper.abort(new Error('orphan reconciler stopped'));
      cancel();
    },
  };
}
