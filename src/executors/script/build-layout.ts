/**
 * Where a job lives on the instance, laid out as gitlab-runner does it: shared builds dirs
 * (shell, instance, docker with a builds dir mounted from the host) use
 * `<builds_dir>/<short token>/<concurrent project id>/<namespace>/<project>`, disposable ones
 * (docker) use `<builds_dir>/<namespace>/<project>`. The concurrent ids are unique among the
 * runner's running jobs, not per instance, so two instances on one host (local instances, a
 * shared absolute builds_dir) never share a directory. Temporary files (file variables,
 * archives, the stage pid file) go to `<project dir>.tmp`.
 */
import { posix } from 'node:path';
import type { JobPayload } from '../../gitlab/job-payload.js';
import { absolutePath } from './shell-quote.js';

export interface BuildLayoutOptions {
  /** Root of all builds; relative paths and `$PWD/…` resolve where commands start. */
  buildsDir: string;
  /** Root of local cache archives. */
  cacheDir: string;
  /** Shared builds dir (several jobs on one host) adds `<short token>/<concurrent project id>`. */
  sharedBuildsDir: boolean;
  /** The runner's short token (see `shortenToken`). */
  shortToken: string;
  /** CI_CONCURRENT_ID: unique among the runner's running jobs. */
  concurrentId: number;
  /** CI_CONCURRENT_PROJECT_ID: unique among the runner's running jobs of this project. */
  concurrentProjectId: number;
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
  concurrentId: number;
  concurrentProjectId: number;
  shortToken: string;
}

export function computeBuildLayout(job: JobPayload, options: BuildLayoutOptions): BuildLayout {
  const slug = projectSlug(job);
  const buildsDir = absolutePath(options.buildsDir);
  const unique = options.sharedBuildsDir
    ? posix.join(options.shortToken || 'runner', String(options.concurrentProjectId), slug)
    : slug;
  return withProjectDir(
    {
      buildsDir,
      projectDir: '',
      tmpDir: '',
      cacheDir: `${absolutePath(options.cacheDir)}/${slug}`,
      pidFile: '',
      concurrentId: options.concurrentId,
      concurrentProjectId: options.concurrentProjectId,
      shortToken: options.shortToken,
    },
    buildsDir === '/' ? `/${unique}` : `${buildsDir}/${unique}`,
  );
}

/** The layout with the project in `projectDir` (GIT_CLONE_PATH); tmp dir and pid file follow. */
export function withProjectDir(layout: BuildLayout, projectDir: string): BuildLayout {
  const tmpDir = `${projectDir}.tmp`;
  return { ...layout, projectDir, tmpDir, pidFile: `${tmpDir}/stage.pid` };
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
