import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { DEFAULT_GIT_PATH } from '../sandbox-options.js';
import { createSandboxServer, type SandboxServer } from '../sandbox-server.js';
import { putJob, startHarness, takeJob, type Harness } from '../testing/sandbox-harness.js';

const exec = promisify(execFile);

function gitEnv(home: string): Record<string, string> {
  return {
    PATH: DEFAULT_GIT_PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.invalid',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.invalid',
  };
}

async function git(cwd: string, home: string, ...args: string[]): Promise<string> {
  return (await exec('git', args, { cwd, env: gitEnv(home) })).stdout.trim();
}

async function gitFails(cwd: string, home: string, ...args: string[]): Promise<string> {
  try {
    await exec('git', args, { cwd, env: gitEnv(home) });
  } catch (err: unknown) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error('git succeeded unexpectedly');
}

let h: Harness | undefined;
let work: string | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (work) await rm(work, { recursive: true, force: true });
  work = undefined;
});

describe('git smart HTTP', () => {
  it('clones with the job token of a running job and serves the pipeline commit', async () => {
    h = await startHarness({ ci: 'a:\n  script: echo\n', files: { 'src/app.sh': 'echo app\n' } });
    work = await mkdtemp(join(tmpdir(), 'sandbox-clone-'));
    const job = await takeJob(h);
    await putJob(h.url, job.id, job.token, { state: 'running' });
    const gitInfo = job.payload.git_info as { repo_url: string; sha: string; refspecs: string[] };
    await git(work, work, 'clone', '--quiet', gitInfo.repo_url, 'clone');
    expect(await readFile(join(work, 'clone', 'src/app.sh'), 'utf8')).toBe('echo app\n');
    expect(await git(join(work, 'clone'), work, 'rev-parse', 'HEAD')).toBe(gitInfo.sha);
  });

  it('fetches the refspecs of the payload, including refs/pipelines/<id>, with depth', async () => {
    h = await startHarness({ ci: 'a:\n  script: echo\n' });
    work = await mkdtemp(join(tmpdir(), 'sandbox-fetch-'));
    const job = await takeJob(h);
    await putJob(h.url, job.id, job.token, { state: 'running' });
    const gitInfo = job.payload.git_info as {
      repo_url: string;
      sha: string;
      refspecs: string[];
      depth: number;
    };
    await git(work, work, 'init', '--quiet', 'repo');
    const repo = join(work, 'repo');
    await git(
      repo,
      work,
      'fetch',
      '--quiet',
      `--depth=${gitInfo.depth}`,
      gitInfo.repo_url,
      ...gitInfo.refspecs,
    );
    const pipelineId = h.server.pipelines()[0]!.id;
    expect(await git(repo, work, 'rev-parse', `refs/pipelines/${pipelineId}`)).toBe(gitInfo.sha);
    await git(repo, work, 'checkout', '--quiet', gitInfo.sha);
  });

  it('refuses without credentials, with a wrong token and with the token of a finished job', async () => {
    h = await startHarness({ ci: 'a:\n  script: echo\n' });
    work = await mkdtemp(join(tmpdir(), 'sandbox-deny-'));
    const plain = `${h.url}/${h.project.path}.git`;
    expect(await gitFails(work, work, 'clone', plain, 'x')).toMatch(
      /Authentication failed|could not read Username|401/,
    );
    const res = await fetch(`${plain}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="GitLab"');
    const job = await takeJob(h);
    await putJob(h.url, job.id, job.token, { state: 'running' });
    await putJob(h.url, job.id, job.token, { state: 'success' });
    const repoUrl = (job.payload.git_info as { repo_url: string }).repo_url;
    expect(await gitFails(work, work, 'clone', repoUrl, 'y')).toMatch(/Authentication failed|401/);
  });

  it('refuses pushes even with a valid job token', async () => {
    h = await startHarness({ ci: 'a:\n  script: echo\n' });
    const job = await takeJob(h);
    await putJob(h.url, job.id, job.token, { state: 'running' });
    const auth = Buffer.from(`gitlab-ci-token:${job.token}`).toString('base64');
    const res = await fetch(`${h.url}/${h.project.path}.git/info/refs?service=git-receive-pack`, {
      headers: { Authorization: `Basic ${auth}` },
    });
    expect(res.status).toBe(403);
  });
});

describe('projects from a git repository', () => {
  let server: SandboxServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('mirrors branches and tags so pipeline refs and shas are real', async () => {
    work = await mkdtemp(join(tmpdir(), 'sandbox-mirror-'));
    const src = join(work, 'src');
    await git(work, work, 'init', '--quiet', '--initial-branch=trunk', 'src');
    await writeFile(join(src, '.gitlab-ci.yml'), 'a:\n  script: echo\n');
    await git(src, work, 'add', '.');
    await git(src, work, 'commit', '--quiet', '-m', 'first');
    await git(src, work, 'tag', 'v1.0.0');
    const sha = await git(src, work, 'rev-parse', 'HEAD');
    server = createSandboxServer(
      { clock: new SystemClock(), logger: silentLogger },
      { dataDir: join(work, 'data') },
    );
    await server.start();
    const project = await server.createProject({ sourceDir: src, name: 'Mirror Me' });
    expect(project).toMatchObject({ path: 'sandbox/mirror-me', defaultBranch: 'trunk' });
    const onBranch = await server.createPipeline(project.id);
    expect(onBranch).toMatchObject({ ref: 'trunk', refType: 'branch', sha });
    const onTag = await server.createPipeline(project.id, { ref: 'v1.0.0' });
    expect(onTag).toMatchObject({ ref: 'v1.0.0', refType: 'tag', sha });
    await expect(server.createPipeline(project.id, { ref: 'nope' })).rejects.toThrow(
      /does not exist/,
    );
  });
});
