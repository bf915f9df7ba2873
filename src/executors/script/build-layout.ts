/**
 * Where a job lives on the instance, laid out as gitlab-runner does it:
 * shared builds dirs (shell, instance) use `<builds_dir>/<short token>/<slot>/<namespace>/<project>`,
 * disposable ones (docker) use `<builds_dir>/<namespace>/<project>`. Temporary files (file
 * variables, archives, the stage pid file) go to `<project dir>.tmp`.
 */
import { posix } from 'node:path';
import type { JobPayload } from '../../gitlab/job-payload.js';
import { absolutePath } from './shell-quote.js';

export interface BuildLayoutOptions {
  /** Root of all builds; relative paths and `$PWD/…` resolve where commands start. */
  buildsDir: string;
  /** Root of local cache archives. */
  cacheDir: string;
  /** Shared builds dir (several runners/slots on one host) adds `<short token>/<slot>`. */
  sharedBuildsDir: boolean;
  /** The runner's short token (see `shortenToken`). */
  shortToken: string;
  /** Concurrency slot on this instance (CI_CONCURRENT_ID). */
  slot: number;
}

export interface BuildLayout {
  /** CI_BUILDS_DIR. */
  buildsDir: string;
  /** CI_PROJECT_DIR. */
  projectDir: string;
  /** `<project dir>.tmp`: file variables, archives, pid file. */
  tmpDir: string;
  /** Local cache root for this project: `<cache_dir>/<namespace>/<project>`. */
  cacheDir: string;
  /** Pid (= process group id) of the running stage. */
  pidFile: string;
  slot: number;
  shortToken: string;
}

export function computeBuildLayout(job: JobPayload, options: BuildLayoutOptions): BuildLayout {
  const slug = projectSlug(job);
  const buildsDir = absolutePath(options.buildsDir);
  const unique = options.sharedBuildsDir
    ? posix.join(options.shortToken || 'runner', String(options.slot), slug)
    : slug;
  const projectDir = `${buildsDir}/${unique}`;
  const tmpDir = `${projectDir}.tmp`;
  return {
    buildsDir,
    projectDir,
    tmpDir,
    cacheDir: `${absolutePath(options.cacheDir)}/${slug}`,
    pidFile: `${tmpDir}/stage.pid`,
    slot: options.slot,
    shortToken: options.shortToken,
  };
}

/**
 * `<namespace>/<project>` from the repository URL path (without `.git`), as gitlab-runner's
 * ProjectSlug; `project-<id>` when the URL has no host or the path looks unsafe.
 */
export function projectSlug(job: JobPayload): string {
  const fallback = `project-${job.job_info.project_id}`;
  let url: URL;
  try {
    url = new URL(job.git_info.repo_url);
  } catch {
    return fallback;
  }
  if (url.host === '') return fallback;
  const slug = posix.normalize(decodeURIComponent(url.pathname).replace(/\.git$/, ''));
  const trimmed = slug.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed === '.' || trimmed.includes('..')) return fallback;
  if (!/^[A-Za-z0-9_.\-/]+$/.test(trimmed)) return fallback;
  return trimmed;
}

/** gitlab-runner's short token (one implementation, in config/). */
export { shortenToken } from '../../config/short-token.js';
