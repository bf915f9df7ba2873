/**
 * The job's time limits: `runner_info.timeout`, RUNNER_SCRIPT_TIMEOUT (before_script + script,
 * so after_script still gets time) and RUNNER_AFTER_SCRIPT_TIMEOUT (default 5 minutes), as
 * gitlab-runner reads them; plus AFTER_SCRIPT_IGNORE_ERRORS.
 */
import { formatDurationMs, parseDurationMs } from '../platform/durations.js';
import type { ScriptContext } from './script/script-context.js';

export interface JobTimeouts {
  jobMs: number;
  /** 0 = only the job timeout applies. */
  scriptMs: number;
  afterScriptMs: number;
  afterScriptIgnoreErrors: boolean;
  /** Problems with the variables, for the trace. */
  warnings: string[];
}

const DEFAULT_JOB_TIMEOUT_MS = 3_600_000;

export function readJobTimeouts(ctx: ScriptContext, defaultAfterScriptMs: number): JobTimeouts {
  const warnings: string[] = [];
  const seconds = ctx.job.runner_info.timeout;
  const jobMs = seconds > 0 ? seconds * 1000 : DEFAULT_JOB_TIMEOUT_MS;
  const read = (key: string, fallback: number): number => {
    const raw = ctx.vars.value(key).trim();
    if (raw === '') return fallback;
    let ms: number;
    try {
      ms = parseDurationMs(raw);
    } catch {
      warnings.push(`invalid ${key} "${raw}", using ${formatDurationMs(fallback)}`);
      return fallback;
    }
    if (ms <= 0) return fallback;
    if (ms > jobMs) {
      warnings.push(
        `${key} of ${formatDurationMs(ms)} exceeds the job timeout of ${formatDurationMs(jobMs)}`,
      );
    }
    return ms;
  };
  const ignore = ctx.vars.value('AFTER_SCRIPT_IGNORE_ERRORS').trim();
  return {
    jobMs,
    scriptMs: read('RUNNER_SCRIPT_TIMEOUT', 0),
    afterScriptMs: read('RUNNER_AFTER_SCRIPT_TIMEOUT', defaultAfterScriptMs),
    afterScriptIgnoreErrors: !['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(ignore),
    warnings,
  };
}

/** GET_SOURCES_ATTEMPTS and friends: 1 by default, undefined when outside [1, 10]. */
export function readAttempts(ctx: ScriptContext, key: string): number | undefined {
  const raw = ctx.vars.value(key).trim();
  if (raw === '') return 1;
  const n = Number.parseInt(raw, 10);
  if (Number.isNaN(n)) return 1;
  return n >= 1 && n <= 10 ? n : undefined;
}
