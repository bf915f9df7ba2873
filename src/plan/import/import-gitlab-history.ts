/**
 * `--gitlab-url … --project ID|path | --group ID|path [--since DATE]`: imports finished jobs
 * from GitLab's REST API (`GET /projects/:id/jobs?scope[]=success&scope[]=failed&scope[]=canceled
 * &per_page=100`, newest first), a group's projects from `GET /groups/:id/projects
 * ?include_subgroups=true`, caches them per project and fetches only what is new on a re-run
 * (plus a day of overlap, for jobs that were still running last time).
 */
import { UserError } from '../../platform/errors.js';
import { mapJobRow, RowError, type Row } from '../history/job-fields.js';
import { Interner, sortJobs, type History, type JobRecord } from '../history/job-record.js';
import {
  cachePaths,
  readHistoryCache,
  trimJob,
  writeHistoryCache,
  type CachedJob,
} from './history-cache.js';
import { createGitlabHttp, type GitlabHttp, type GitlabHttpDeps } from './gitlab-http.js';

export interface ImportProgress {
  project: string;
  pages: number;
  /** Jobs fetched from the API so far (all projects). */
  fetchedJobs: number;
  /** Jobs taken from the cache (all projects). */
  cachedJobs: number;
  projectsDone: number;
  projectsTotal: number;
}

export interface GitlabImportDeps extends GitlabHttpDeps {
  onProgress?: (progress: ImportProgress) => void;
}

export interface GitlabImportOptions {
  baseUrl: string;
  token?: string;
  project?: string;
  group?: string;
  /** Only jobs created at or after this time. */
  sinceMs?: number;
  cacheDir: string;
  /** Ignore the cache (still refreshes it). */
  refresh?: boolean;
  signal?: AbortSignal;
}

const OVERLAP_MS = 86_400_000;
const JOBS_QUERY = 'scope[]=success&scope[]=failed&scope[]=canceled&per_page=100';

interface ProjectRef {
  id: number;
  path: string;
}

function createdAtMs(job: CachedJob): number {
  return job.created_at ? Date.parse(job.created_at) : Number.NaN;
}

async function resolveProjects(
  http: GitlabHttp,
  options: GitlabImportOptions,
): Promise<ProjectRef[]> {
  if (options.project !== undefined) {
    const { body } = await http.get<{ id: number; path_with_namespace: string }>(
      `/projects/${encodeURIComponent(options.project)}`,
    );
    return [{ id: body.id, path: body.path_with_namespace }];
  }
  if (options.group === undefined) throw new UserError('--gitlab-url needs --project or --group');
  const out: ProjectRef[] = [];
  let url: string | undefined =
    `/groups/${encodeURIComponent(options.group)}/projects?include_subgroups=true&archived=false&per_page=100`;
  while (url !== undefined) {
    const page: { body: { id: number; path_with_namespace: string }[]; next?: string } =
      await http.get(url);
    for (const p of page.body) out.push({ id: p.id, path: p.path_with_namespace });
    url = page.next;
  }
  return out;
}

interface ProjectImport {
  jobs: CachedJob[];
  fetched: number;
  cached: number;
  pages: number;
}

async function importProject(
  http: GitlabHttp,
  deps: GitlabImportDeps,
  options: GitlabImportOptions,
  project: ProjectRef,
  report: (pages: number, fetched: number, cached: number) => void,
): Promise<ProjectImport> {
  const paths = cachePaths(options.cacheDir, http.host, project.path);
  const cache = options.refresh
    ? { jobs: new Map<number, CachedJob>() }
    : await readHistoryCache(paths);
  const sinceMs = options.sinceMs ?? 0;
  const usable = cache.meta !== undefined && cache.meta.coveredFromMs <= sinceMs;
  const floorMs = usable ? cache.meta!.fetchedAtMs - OVERLAP_MS : Number.NEGATIVE_INFINITY;
  const fetchedAtMs = deps.clock.now();
  const merged = new Map(cache.jobs);
  let url: string | undefined = `/projects/${project.id}/jobs?${JOBS_QUERY}`;
  let pages = 0;
  let fetched = 0;
  let reachedEnd = true;
  while (url !== undefined) {
    const page: { body: Record<string, unknown>[]; next?: string } = await http.get(url);
    pages++;
    let older = false;
    for (const raw of page.body) {
      const job = trimJob(raw);
      const created = createdAtMs(job);
      if (created < sinceMs || created < floorMs) older = true;
      if (created >= sinceMs || Number.isNaN(created)) {
        merged.set(job.id, job);
        fetched++;
      }
    }
    report(pages, fetched, cache.jobs.size);
    if (older) {
      reachedEnd = false;
      break;
    }
    url = page.next;
  }
  const coveredFromMs = reachedEnd
    ? 0
    : usable
      ? Math.min(sinceMs, cache.meta!.coveredFromMs)
      : sinceMs;
  await writeHistoryCache(paths, merged.values(), {
    project: project.path,
    projectId: project.id,
    fetchedAtMs,
    coveredFromMs,
  });
  const jobs = [...merged.values()].filter((j) => !(createdAtMs(j) < sinceMs));
  return { jobs, fetched, cached: cache.jobs.size, pages };
}

/** Imports (and caches) the history of a project or every project of a group. */
export async function importGitlabHistory(
  deps: GitlabImportDeps,
  options: GitlabImportOptions,
): Promise<History> {
  const http = createGitlabHttp(deps, {
    baseUrl: options.baseUrl,
    ...(options.token ? { token: options.token } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const projects = await resolveProjects(http, options);
  const interner = new Interner();
  const records: JobRecord[] = [];
  let skipped = 0;
  const totals = { fetched: 0, cached: 0, done: 0 };
  for (const project of projects) {
    const result = await importProject(http, deps, options, project, (pages, fetched, cached) =>
      deps.onProgress?.({
        project: project.path,
        pages,
        fetchedJobs: totals.fetched + fetched,
        cachedJobs: totals.cached + cached,
        projectsDone: totals.done,
        projectsTotal: projects.length,
      }),
    );
    totals.fetched += result.fetched;
    totals.cached += result.cached;
    totals.done++;
    for (const job of result.jobs) {
      try {
        const record = mapJobRow(job as unknown as Row, { interner, project: project.path });
        if (record) records.push(record);
        else skipped++;
      } catch (err: unknown) {
        if (!(err instanceof RowError)) throw err;
        skipped++;
        deps.logger.warn(
          { project: project.path, jobId: job.id, reason: err.message },
          'job skipped',
        );
      }
    }
  }
  const nowMs = deps.clock.now();
  const scope = options.project ?? `group ${options.group ?? ''}`;
  const history: History = { jobs: sortJobs(records), source: `${http.host}/${scope}`, skipped };
  if (options.sinceMs !== undefined) {
    history.spanStartMs = options.sinceMs;
    history.spanMs = nowMs - options.sinceMs;
  }
  return history;
}
