/**
 * The runner manager: one stack (provider, fleet, runner loop) per [[runners]] entry sharing the
 * global `concurrent` gate. A runner whose cloud cannot be reached at start is retried in the
 * background; it never takes the others down. Policies are re-applied on config reload, as
 * gitlab-runner does; other autoscaler settings need a restart.
 *
 * It owns its parts (parts.ts): `start()` starts them after the runners (those marked
 * `startsBeforeRunners`, the status server, before them); `stop()` stops the parts
 * that change the fleet or the config, drains the runners, then stops the parts that outlive
 * them (status server, state file). That is the one place where anything is stopped.
 */
import type { CompiledConfig } from '../config/types.js';
import type { HostKeyStore } from '../connect/index.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { LifecycleState, StopOptions } from '../platform/lifecycle.js';
import { describeError, isUserError } from '../platform/errors.js';
import type { FleetStatus } from '../fleet/fleet.js';
import type { PreexistingPolicy } from '../fleet/index.js';
import type { RunnerLoopStatus } from '../runner/runner-loop.js';
import { createConcurrencyGate, type ConcurrencyGate } from '../runner/ports.js';
import type { JobJournal } from '../runner/journal.js';
import type { JobRecorder } from '../runner/job-recorder.js';
import type { BuildRunnerStack, RunnerStack, RunnerStackDeps } from './runner-stack.js';
import { partStatuses, startParts, stopParts, type ManagerPart, type PartStatus } from './parts.js';

export interface ManagerDeps {
  clock: Clock;
  logger: Logger;
  hostKeys: HostKeyStore;
  journal?: JobJournal;
  /** Where a job keeps its log so that a restart can send the rest (the state store's). */
  jobLogFile?: (runnerName: string, jobId: number) => string;
  /** Where a runner's aws groups keep removals held at MinSize (the state store's). */
  heldRemovals?: RunnerStackDeps['heldRemovals'];
  /** Gets every finished job's record (the history part). */
  recorder?: JobRecorder;
  /** Builds a runner's stack from config (app/build-runner.ts; the manager builds no adapter). */
  buildStack: BuildRunnerStack;
  /** The manager's parts, in start order (made once, with the manager they serve). */
  parts?: (manager: Manager) => readonly ManagerPart[];
}

export interface ManagerOptions {
  config: CompiledConfig;
  systemId: string;
  version: string;
  awsEndpoint?: string;
  /** PATH and locale handed to local instances. */
  localEnv?: Readonly<Record<string, string>>;
  /** Per runner: what to do with instances found at start (default: remove them). */
  preexistingFor?: (runnerName: string) => PreexistingPolicy;
  /** Delay between attempts to start a runner whose provider failed to initialise. */
  startRetryMs?: number;
}

export interface RunnerStatusView {
  name: string;
  executor: string;
  state: 'starting' | 'running' | 'failed' | 'stopped';
  error?: string;
  loop?: RunnerLoopStatus;
  fleet?: FleetStatus;
  /** The runner's own parts (its IMDS poller). */
  parts?: readonly PartStatus[];
}

export interface ManagerStatus {
  state: LifecycleState;
  concurrent: number;
  jobsRunning: number;
  runners: readonly RunnerStatusView[];
  parts: readonly PartStatus[];
}

interface Slot {
  name: string;
  executor: string;
  stack?: RunnerStack;
  state: RunnerStatusView['state'];
  error?: string;
  retry?: () => void;
}

export interface Manager {
  readonly state: LifecycleState;
  start(): Promise<void>;
  stop(options: StopOptions): Promise<void>;
  abortJobs(reason: string): void;
  status(): ManagerStatus;
  reload(config: CompiledConfig): void;
  /** The started stacks (tests, the sandbox). */
  stacks(): readonly RunnerStack[];
  drain(instanceId: string, reason: string): boolean;
}

export function createManager(deps: ManagerDeps, options: ManagerOptions): Manager {
  const log = deps.logger.child({ component: 'manager' });
  const gate: ConcurrencyGate = createConcurrencyGate(options.config.concurrent);
  const slots: Slot[] = [];
  let state: LifecycleState = 'idle';
  let config = options.config;
  let stopping: Promise<void> | undefined;
  let parts: readonly ManagerPart[] = [];

  const startSlot = async (slot: Slot, index: number): Promise<void> => {
    const runner = config.runners[index]!;
    const stack = deps.buildStack(
      {
        clock: deps.clock,
        logger: deps.logger,
        gate,
        hostKeys: deps.hostKeys,
        systemId: options.systemId,
        version: options.version,
        ...(deps.journal ? { journal: deps.journal } : {}),
        ...(deps.jobLogFile ? { jobLogFile: deps.jobLogFile } : {}),
        ...(deps.heldRemovals ? { heldRemovals: deps.heldRemovals } : {}),
        ...(deps.recorder ? { recorder: deps.recorder } : {}),
        ...(options.awsEndpoint ? { awsEndpoint: options.awsEndpoint } : {}),
        ...(options.localEnv ? { localEnv: options.localEnv } : {}),
        ...(options.preexistingFor
          ? { preexistingInstances: options.preexistingFor(runner.name) }
          : {}),
      },
      config,
      runner,
    );
    try {
      await stack.fleet.start();
      await stack.loop.start();
      await startParts(stack.parts, log.child({ runner: runner.name }));
      slot.stack = stack;
      slot.state = 'running';
      delete slot.error;
    } catch (err: unknown) {
      await stack.dispose().catch(() => undefined);
      slot.state = 'failed';
      slot.error = describeError(err);
      const retryMs = options.startRetryMs ?? 60_000;
      log.error(
        { runner: runner.name, err: slot.error, retryInMs: retryMs },
        'runner failed to start',
      );
      if (state !== 'running') return;
      slot.retry = deps.clock.schedule(retryMs, () => {
        if (state === 'running') void startSlot(slot, index);
      });
    }
  };

  const stopAll = async (graceMs: number): Promise<void> => {
    state = 'draining';
    await stopParts(
      parts.filter((p) => !p.outlivesRunners),
      { graceMs },
      log,
    );
    for (const s of slots) s.retry?.();
    const stacks = slots.flatMap((s) => (s.stack ? [s.stack] : []));
    await Promise.all(stacks.map((s) => s.loop.stop({ graceMs })));
    await Promise.all(
      stacks.map(async (s) => {
        await stopParts(s.parts, { graceMs: 0 }, log.child({ runner: s.runner.name }));
        await s.fleet.stop({ graceMs: 0 });
        await s.dispose();
      }),
    );
    for (const s of slots) s.state = 'stopped';
    await stopParts(
      parts.filter((p) => p.outlivesRunners),
      { graceMs },
      log,
    );
    state = 'stopped';
    log.info({}, 'manager stopped');
  };

  const manager: Manager = {
    get state() {
      return state;
    },
    async start(): Promise<void> {
      state = 'running';
      const usable = config.runners.filter((r) => r.url && r.token);
      if (usable.length === 0) {
        log.warn({}, 'no runner has both url and token; nothing to do');
      }
      const starting = config.runners.map((runner): Slot => {
        const slot: Slot = { name: runner.name, executor: runner.executor, state: 'starting' };
        slots.push(slot);
        return slot;
      });
      const early = parts.filter((p) => p.startsBeforeRunners === true);
      await startParts(early, log);
      await Promise.all(
        config.runners.map(async (runner, index) => {
          const slot = starting[index]!;
          if (!runner.url || !runner.token) {
            slot.state = 'failed';
            slot.error = 'url and token are required (see `spotrunner register`)';
            return;
          }
          await startSlot(slot, index).catch((err: unknown) => {
            if (isUserError(err)) throw err;
            log.error({ runner: runner.name, err: describeError(err) }, 'runner start crashed');
          });
        }),
      );
      log.info(
        {
          runners: slots.filter((s) => s.state === 'running').length,
          concurrent: config.concurrent,
        },
        'manager started',
      );
      await startParts(
        parts.filter((p) => !early.includes(p)),
        log,
      );
    },
    stop({ graceMs }: StopOptions): Promise<void> {
      return (stopping ??= stopAll(graceMs));
    },
    abortJobs(reason: string): void {
      for (const s of slots) s.stack?.loop.abortJobs(reason);
    },
    status(): ManagerStatus {
      const runners = slots.map((s) => ({
        name: s.name,
        executor: s.executor,
        state: s.state,
        ...(s.error ? { error: s.error } : {}),
        ...(s.stack
          ? {
              loop: s.stack.loop.status(),
              fleet: s.stack.fleet.status(),
              parts: partStatuses(s.stack.parts),
            }
          : {}),
      }));
      // Not gate.inUse: the gate is also held by job requests in flight (long polls).
      const jobsRunning = runners.reduce((n, r) => n + (r.loop?.running.length ?? 0), 0);
      return {
        state,
        concurrent: config.concurrent,
        jobsRunning,
        runners,
        parts: partStatuses(parts),
      };
    },
    reload(next: CompiledConfig): void {
      config = next;
      for (const slot of slots) {
        const runner = next.runners.find((r) => r.name === slot.name);
        if (slot.stack && runner?.autoscaler) {
          slot.stack.fleet.configurePolicies(runner.fleet.policies);
          log.info(
            { runner: slot.name, policies: runner.fleet.policies.length },
            'policies reloaded',
          );
        }
      }
    },
    stacks: () => slots.flatMap((s) => (s.stack ? [s.stack] : [])),
    drain(instanceId: string, reason: string): boolean {
      return slots.some((s) => s.stack?.fleet.drain(instanceId, reason) ?? false);
    },
  };
  parts = deps.parts?.(manager) ?? [];
  return manager;
}
