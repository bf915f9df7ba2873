/** Runner features a job needs (RAILS `Ci::Build::RUNNER_FEATURES`, protocol §2.1 "Required"). */
import type { CiJob } from '../ci/ci-config.js';

export function requiredFeatures(spec: CiJob): string[] {
  const needed: string[] = [];
  if (spec.cache.some((c) => c.fallbackKeys.length > 0)) needed.push('fallback_cache_keys');
  if ((spec.artifacts?.reports.length ?? 0) > 0) needed.push('upload_multiple_artifacts');
  if ((spec.artifacts?.exclude.length ?? 0) > 0) needed.push('artifacts_exclude');
  if (spec.allowFailureExitCodes.length > 0 || spec.retry.exitCodes.length > 0)
    needed.push('return_exit_code');
  return needed;
}

/** Required features the runner did not declare (truthy) in `info.features`. */
export function missingFeatures(spec: CiJob, features: Record<string, unknown>): string[] {
  return requiredFeatures(spec).filter((f) => features[f] !== true);
}
