/**
 * Test support: a sandbox server on 127.0.0.1 with one project and one runner, plus raw
 * `fetch` helpers that speak the runner protocol the way gitlab-runner does.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FEATURE_KEYS } from '../../gitlab/features.js';
import { VirtualClock, type Clock } from '../../platform/clock.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import type { ProjectVariableInput } from '../project-config.js';
import type { CreateRunnerOptions } from '../model/runner-registry.js';
import type { SandboxServerOptions } from '../sandbox-options.js';
import { createSandboxServer, type SandboxServer } from '../sandbox-server.js';
import type { ProjectView } from '../sandbox-views.js';

export { FEATURE_KEYS };

const execFileAsync = promisify(execFile);

/** gitlab-runner's feature map: every key present, `true` for the listed ones. */
export function featureMap(
  enabled: readonly string[] | 'all',
  disabled: readonly string[] = [],
): Record<string, boolean> {
  return Object.fromEntries(
    FEATURE_KEYS.map((k) => [
      k,
      (enabled === 'all' || enabled.includes(k)) && !disabled.includes(k),
    ]),
  );
}

export interface HarnessOptions {
  ci: string;
  files?: Record<string, string>;
  variables?: Record<string, ProjectVariableInput>;
  clock?: Clock;
  logger?: Logger;
  server?: Partial<SandboxServerOptions>;
  runner?: CreateRunnerOptions;
  /**
   * Earlier commits of a git repository on `main` (oldest first): each is `ci` + `files` with
   * these files changed (`null`: absent), tagged when `tag` is given; the last commit is `ci` +
   * `files`. Absent: the project is a plain directory (one commit without a parent).
   */
  history?: HistoryCommit[];
  /** Create a pipeline on the default branch at start; default true. */
  pipeline?: boolean;
}

export interface HistoryCommit {
  files: Record<string, string | null>;
  tag?: string;
}

const git = (cwd: string, args: string[]): Promise<unknown> =>
  execFileAsync(
    'git',
    ['-c', 'user.name=Sandbox Test', '-c', 'user.email=test@spotrunner.invalid', ...args],
    { cwd },
  );

async function writeTree(dir: string, files: Record<string, string | null>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    if (content === null) {
      await rm(join(dir, path), { force: true });
      continue;
    }
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

async function commitHistory(
  dir: string,
  files: Record<string, string>,
  history: readonly HistoryCommit[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '--quiet', '--initial-branch=main']);
  for (const [i, commit] of history.entries()) {
    await writeTree(dir, { ...files, ...commit.files });
    await git(dir, ['add', '-A']);
    await git(dir, ['commit', '--quiet', '--allow-empty', '-m', `commit ${i + 1}`]);
    if (commit.tag) await git(dir, ['tag', commit.tag]);
    const added = Object.keys(commit.files).filter((p) => !(p in files));
    await writeTree(dir, Object.fromEntries(added.map((p) => [p, null])));
  }
  await writeTree(dir, files);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '--quiet', '--allow-empty', '-m', 'the pushed commit']);
}

export interface Harness {
  server: SandboxServer;
  url: string;
  clock: Clock;
  dir: string;
  project: ProjectView;
  runnerToken: string;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-test-'));
  const source = join(dir, 'demo');
  const files = { '.gitlab-ci.yml': options.ci, 'README.md': '# demo\n', ...options.files };
  if (options.history) await commitHistory(source, files, options.history);
  else await writeTree(source, files);
  const clock = options.clock ?? new VirtualClock();
  const server = createSandboxServer(
    { clock, logger: options.logger ?? silentLogger },
    { dataDir: join(dir, 'data'), ...options.server },
  );
  const { url } = await server.start();
  const project = await server.createProject({
    sourceDir: source,
    variables: options.variables ?? {},
  });
  const runner = server.createRunner(options.runner ?? { description: 'test runner' });
  if (options.pipeline !== false) await server.createPipeline(project.id);
  return {
    server,
    url,
    clock,
    dir,
    project,
    runnerToken: runner.token,
    async close() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json(): unknown;
}

async function toResult(res: Response): Promise<HttpResult> {
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as unknown,
  };
}

export async function postJson(url: string, body: unknown, method = 'POST'): Promise<HttpResult> {
  return toResult(
    await fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

export interface RequestJobOptions {
  features?: Record<string, boolean>;
  lastUpdate?: string;
  systemId?: string;
}

export async function requestJob(
  url: string,
  token: string,
  options: RequestJobOptions = {},
): Promise<HttpResult> {
  return postJson(`${url}/api/v4/jobs/request`, {
    token,
    system_id: options.systemId ?? 's_0123456789ab',
    ...(options.lastUpdate !== undefined ? { last_update: options.lastUpdate } : {}),
    info: {
      name: 'gitlab-runner',
      version: '17.6.0',
      features: options.features ?? featureMap('all'),
    },
  });
}

export async function putJob(
  url: string,
  id: number,
  token: string,
  body: Record<string, unknown>,
): Promise<HttpResult> {
  return toResult(
    await fetch(`${url}/api/v4/jobs/${id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'JOB-TOKEN': token },
      body: JSON.stringify({ token, ...body }),
    }),
  );
}

export async function patchTrace(
  url: string,
  id: number,
  token: string,
  start: number,
  data: string | Buffer,
): Promise<HttpResult> {
  const bytes = Buffer.from(data);
  return toResult(
    await fetch(`${url}/api/v4/jobs/${id}/trace`, {
      method: 'PATCH',
      headers: {
        'Content-Type': 'text/plain',
        'JOB-TOKEN': token,
        'Content-Range': `${start}-${start + bytes.length - 1}`,
      },
      body: bytes,
    }),
  );
}

export interface JobHandle {
  id: number;
  token: string;
  payload: Record<string, unknown>;
}

/** Requests a job and expects one. */
export async function takeJob(h: Harness, options: RequestJobOptions = {}): Promise<JobHandle> {
  const res = await requestJob(h.url, h.runnerToken, options);
  if (res.status !== 201) throw new Error(`expected a job, got ${res.status} ${res.text}`);
  const payload = res.json() as Record<string, unknown>;
  return { id: payload.id as number, token: payload.token as string, payload };
}

/** Takes the next job, accepts it, optionally writes a trace, and reports the outcome. */
export async function runNextJob(
  h: Harness,
  outcome: 'success' | 'failed',
  extra: Record<string, unknown> = {},
): Promise<JobHandle> {
  const job = await takeJob(h);
  await putJob(h.url, job.id, job.token, { state: 'running' });
  await putJob(h.url, job.id, job.token, {
    state: outcome,
    ...(outcome === 'failed' ? { failure_reason: 'script_failure' } : {}),
    ...extra,
  });
  return job;
}
