/** Runner records: created (`glrt-`) and legacy-registered runners, managers, token reset. */
import type { RunnerRecord } from './records.js';
import type { SandboxStore } from './sandbox-store.js';
import { newCreatedRunnerToken, newLegacyRunnerToken, newQueueValue } from './tokens.js';

export interface CreateRunnerOptions {
  description?: string;
  tags?: string[];
  /** Default: true when there are no tags. */
  runUntagged?: boolean;
  locked?: boolean;
  paused?: boolean;
  maximumTimeoutS?: number;
}

export function addRunner(
  store: SandboxStore,
  options: CreateRunnerOptions,
  legacy: boolean,
  nowMs: number,
): RunnerRecord {
  const tags = options.tags ?? [];
  const runner: RunnerRecord = {
    id: store.nextId('runner'),
    token: legacy ? newLegacyRunnerToken() : newCreatedRunnerToken(),
    description: options.description ?? '',
    tags,
    runUntagged: options.runUntagged ?? tags.length === 0,
    locked: options.locked ?? false,
    paused: options.paused ?? false,
    legacy,
    queueValue: newQueueValue(),
    managers: new Map(),
    createdAtMs: nowMs,
  };
  if (options.maximumTimeoutS !== undefined) runner.maximumTimeoutS = options.maximumTimeoutS;
  store.addRunner(runner);
  return runner;
}

/** Heartbeat of the runner and of its manager (`system_id`, `<legacy>` when absent). */
export function heartbeat(
  runner: RunnerRecord,
  systemId: string,
  info: unknown,
  nowMs: number,
): void {
  runner.contactedAtMs = nowMs;
  const details =
    typeof info === 'object' && info !== null ? (info as Record<string, unknown>) : {};
  runner.managers.set(systemId, { systemId, info: details, contactedAtMs: nowMs });
}

export function rotateRunnerToken(store: SandboxStore, runner: RunnerRecord): string {
  const token = runner.legacy ? newLegacyRunnerToken() : newCreatedRunnerToken();
  store.replaceRunnerToken(runner, token);
  return token;
}

/** Parses `tag_list` as Rails does: comma separated string or array. */
export function parseTagList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return list
    .filter((t): t is string => typeof t === 'string')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}
