/**
 * Resolves the job's `cache[]` into what the cache stages do: which keys, in which order,
 * with which presigned URLs (asked of the manager's CacheUrls; the instance never holds
 * storage credentials), or why an entry is skipped.
 */
import type { JobCache } from '../../gitlab/job-payload.js';
import type { CacheUrls } from '../executor.js';
import { sanitizeCacheKey } from './cache-key.js';
import type { ScriptContext } from './script-context.js';

export interface CacheSource {
  key: string;
  /** Presigned GET URL; undefined = only the instance's local cache file. */
  url?: string;
}

export interface CacheEntryPlan {
  /** Lines to print before anything else (sanitising warnings). */
  warnings: string[];
  /** Why nothing is done for this entry (printed as a notice), if so. */
  skip?: string;
  /** A fatal problem with the entry (unknown policy): printed as an error, stage fails. */
  error?: string;
  key: string;
  paths: string[];
  untracked: boolean;
}

export interface CacheRestorePlan extends CacheEntryPlan {
  /** Primary key, then fallback_keys, then CACHE_FALLBACK_KEY. */
  sources: CacheSource[];
}

export interface CacheArchivePlan extends CacheEntryPlan {
  /** Presigned PUT URL; undefined = keep the archive locally only. */
  url?: string;
}

type Policy = 'pull' | 'push' | 'pull-push';

function baseEntry(
  ctx: ScriptContext,
  entry: JobCache,
  direction: 'pull' | 'push',
): CacheEntryPlan {
  const warnings: string[] = [];
  const expanded = ctx.vars.expand(entry.key);
  const raw = expanded !== '' ? expanded : `${ctx.job.job_info.name}/${ctx.job.git_info.ref}`;
  const sanitized = sanitizeCacheKey(raw);
  const plan: CacheEntryPlan = {
    warnings,
    key: sanitized.ok ? sanitized.key : raw,
    paths: entry.paths,
    untracked: entry.untracked,
  };
  if (!sanitized.ok) {
    warnings.push(sanitized.error);
    plan.skip =
      direction === 'pull'
        ? 'Skipping cache extraction due to empty cache key'
        : 'Skipping cache archiving due to empty cache key';
    return plan;
  }
  if (sanitized.key !== raw) warnings.push(`cache key "${raw}" sanitized to "${sanitized.key}"`);
  const policy = ctx.vars.expand(entry.policy) || 'pull-push';
  if (!isPolicy(policy)) {
    plan.error = `unknown cache policy "${policy}" for ${sanitized.key}`;
  } else if (policy !== 'pull-push' && policy !== direction) {
    plan.skip =
      direction === 'pull'
        ? `Not downloading cache ${sanitized.key} due to policy`
        : `Not uploading cache ${sanitized.key} due to policy`;
  }
  return plan;
}

function isPolicy(value: string): value is Policy {
  return value === 'pull' || value === 'push' || value === 'pull-push';
}

function hasContent(entry: JobCache): boolean {
  return entry.paths.length > 0 || entry.untracked;
}

export async function planCacheRestore(
  ctx: ScriptContext,
  urls: CacheUrls | undefined,
): Promise<CacheRestorePlan[]> {
  const plans: CacheRestorePlan[] = [];
  for (const entry of ctx.job.cache.filter(hasContent)) {
    const base = baseEntry(ctx, entry, 'pull');
    const plan: CacheRestorePlan = { ...base, sources: [] };
    plans.push(plan);
    if (base.skip || base.error) continue;
    const keys = [base.key];
    for (const fallback of entry.fallback_keys) {
      const s = sanitizeCacheKey(ctx.vars.expand(fallback));
      if (s.ok && !keys.includes(s.key)) keys.push(s.key);
    }
    const global = ctx.vars.value('CACHE_FALLBACK_KEY');
    if (global !== '' && !global.endsWith('-protected')) {
      const s = sanitizeCacheKey(global);
      if (s.ok && !keys.includes(s.key)) keys.push(s.key);
    }
    for (const key of keys) {
      const url = urls ? await urls.getUrl(key) : undefined;
      plan.sources.push(url === undefined ? { key } : { key, url });
    }
  }
  return plans;
}

/** Entries to save for a job that ended with `succeeded` (honouring `when` and policy). */
export async function planCacheArchive(
  ctx: ScriptContext,
  urls: CacheUrls | undefined,
  succeeded: boolean,
): Promise<CacheArchivePlan[]> {
  const plans: CacheArchivePlan[] = [];
  for (const entry of ctx.job.cache.filter(hasContent)) {
    if (!whenMatches(entry.when, succeeded)) continue;
    const plan: CacheArchivePlan = baseEntry(ctx, entry, 'push');
    plans.push(plan);
    if (plan.skip || plan.error) continue;
    const url = urls ? await urls.putUrl(plan.key) : undefined;
    if (url !== undefined) plan.url = url;
  }
  return plans;
}

/** gitlab-runner's `when` for cache and artifacts: on_success, on_failure, always. */
export function whenMatches(when: string, succeeded: boolean): boolean {
  if (when === 'always') return true;
  if (when === 'on_failure') return !succeeded;
  return succeeded;
}
