/**
 * Local cache of imported GitLab jobs: `<cacheDir>/<host>/<project path>.jsonl` (one trimmed job
 * object per line) with a `.meta.json` beside it saying when it was fetched and how far back it
 * reaches, so a re-run only fetches what is new. Written atomically (temp file + rename).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The fields of a GitLab job the planner keeps. */
export interface CachedJob {
  id: number;
  status?: string;
  name?: string;
  stage?: string;
  created_at?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  duration?: number | null;
  queued_duration?: number | null;
  tag_list?: string[];
}

export interface CacheMeta {
  project: string;
  projectId: number;
  fetchedAtMs: number;
  /** Jobs created from this time on are all in the cache (0 = the project's whole history). */
  coveredFromMs: number;
}

export interface CachePaths {
  jobs: string;
  meta: string;
}

function safeSegment(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]/g, '_');
  return cleaned === '' || /^\.+$/.test(cleaned) ? '_' : cleaned;
}

export function cachePaths(cacheDir: string, host: string, project: string): CachePaths {
  const segments = project.split('/').map(safeSegment);
  const base = join(cacheDir, safeSegment(host), ...segments);
  return { jobs: `${base}.jsonl`, meta: `${base}.meta.json` };
}

export function trimJob(job: Record<string, unknown>): CachedJob {
  const keep = [
    'id',
    'status',
    'name',
    'stage',
    'created_at',
    'started_at',
    'finished_at',
    'duration',
    'queued_duration',
    'tag_list',
  ];
  return Object.fromEntries(
    keep.filter((k) => k in job).map((k) => [k, job[k]]),
  ) as unknown as CachedJob;
}

function isMissing(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** The cached jobs by id and the meta, or an empty cache. */
export async function readHistoryCache(
  paths: CachePaths,
): Promise<{ jobs: Map<number, CachedJob>; meta?: CacheMeta }> {
  const jobs = new Map<number, CachedJob>();
  let metaText: string;
  let jobsText: string;
  try {
    metaText = await readFile(paths.meta, 'utf8');
    jobsText = await readFile(paths.jobs, 'utf8');
  } catch (err: unknown) {
    if (isMissing(err)) return { jobs };
    throw err;
  }
  for (const line of jobsText.split('\n')) {
    if (line.trim() === '') continue;
    const job = JSON.parse(line) as CachedJob;
    jobs.set(job.id, job);
  }
  return { jobs, meta: JSON.parse(metaText) as CacheMeta };
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/** Writes jobs (newest first) and meta; the meta goes last so a torn write reads as no cache. */
export async function writeHistoryCache(
  paths: CachePaths,
  jobs: Iterable<CachedJob>,
  meta: CacheMeta,
): Promise<void> {
  await mkdir(dirname(paths.jobs), { recursive: true, mode: 0o700 });
  const sorted = [...jobs].sort((a, b) => b.id - a.id);
  await writeAtomic(
    paths.jobs,
    sorted.map((j) => JSON.stringify(j)).join('\n') + (sorted.length ? '\n' : ''),
  );
  await writeAtomic(paths.meta, `${JSON.stringify(meta, null, 2)}\n`);
}
