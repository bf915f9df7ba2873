import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import { createProcessConnection } from '../../connect/process-connection.js';
import { createGitRemote, startGitHttpServer, type GitRemote } from '../testing/git-fixture.js';
import {
  git,
  makeJob,
  makeRunner,
  makeScriptContext,
  makeTempDir,
  type JobSpec,
} from '../testing/job-fixture.js';
import { runScript, stripAnsi } from '../testing/run-script.js';
import { generateGetSourcesScript } from './get-sources-stage.js';

let tmp: { dir: string; remove: () => void };
let conn: InstanceConnection;
let remote: GitRemote;
let project: string;
let instanceDir: string;

beforeEach(() => {
  tmp = makeTempDir();
  remote = createGitRemote(join(tmp.dir, 'origin'));
  instanceDir = join(tmp.dir, 'instance');
  mkdirSync(instanceDir);
  conn = createProcessConnection({ instanceId: 'local-1', cwd: instanceDir });
});
afterEach(() => tmp.remove());

async function getSources(spec: JobSpec, strategy: string, runner = makeRunner()) {
  const job = makeJob({
    repoUrl: remote.url,
    sha: remote.shas[remote.shas.length - 1],
    ...spec,
    variables: [{ key: 'GIT_STRATEGY', value: strategy }, ...(spec.variables ?? [])],
  });
  const ctx = makeScriptContext(job, { runner });
  // file:// URLs carry no host, so their project dir is builds/<token>/0/project-17.
  project = ctx.layout.projectDir.replace('$PWD', instanceDir);
  const run = await runScript(conn, generateGetSourcesScript(ctx, 'spotrunner test'));
  return { ...run, plain: stripAnsi(run.output) };
}

describe('get_sources', () => {
  it('clones and checks out the exact sha, detached', async () => {
    const run = await getSources({ sha: remote.shas[1] }, 'clone');
    expect(run.exitCode).toBe(0);
    expect(project).toBe(join(instanceDir, 'builds/t9Wkyj-HG/0/project-17'));
    expect(run.plain).toContain('Fetching changes...');
    expect(run.plain).toContain('Created fresh repository.');
    expect(run.plain).toContain(
      `Checking out ${remote.shas[1]!.slice(0, 8)} as detached HEAD (ref is main)...`,
    );
    expect(run.plain).toContain('Skipping Git submodules setup');
    expect(git(project, 'rev-parse', 'HEAD')).toBe(remote.shas[1]);
    expect(existsSync(join(project, 'file2.txt'))).toBe(true);
    expect(existsSync(join(project, 'file3.txt'))).toBe(false);
  });

  it('fetches into the existing repository and cleans untracked and ignored files', async () => {
    expect((await getSources({ sha: remote.shas[0] }, 'clone')).exitCode).toBe(0);
    writeFileSync(join(project, 'junk.txt'), 'junk');
    writeFileSync(join(project, 'ignored.txt'), 'ignored');
    const run = await getSources({}, 'fetch');
    expect(run.exitCode).toBe(0);
    expect(run.plain).not.toContain('Created fresh repository.');
    expect(git(project, 'rev-parse', 'HEAD')).toBe(remote.shas[2]);
    expect(existsSync(join(project, 'junk.txt'))).toBe(false);
    expect(existsSync(join(project, 'ignored.txt'))).toBe(false);
  });

  it('honours GIT_CLEAN_FLAGS=none and GIT_FETCH_EXTRA_FLAGS', async () => {
    expect((await getSources({}, 'clone')).exitCode).toBe(0);
    writeFileSync(join(project, 'junk.txt'), 'junk');
    const run = await getSources(
      {
        variables: [
          { key: 'GIT_CLEAN_FLAGS', value: 'none' },
          { key: 'GIT_FETCH_EXTRA_FLAGS', value: '--no-tags' },
        ],
      },
      'fetch',
    );
    expect(run.exitCode).toBe(0);
    expect(existsSync(join(project, 'junk.txt'))).toBe(true);
  });

  it('uses allow_git_fetch when GIT_STRATEGY is not set to a known value', async () => {
    expect((await getSources({}, 'clone')).exitCode).toBe(0);
    writeFileSync(join(project, '.git', 'marker'), 'kept by fetch');
    expect((await getSources({ allowGitFetch: true }, '')).exitCode).toBe(0);
    expect(existsSync(join(project, '.git', 'marker'))).toBe(true);
    expect((await getSources({ allowGitFetch: false }, 'bogus')).exitCode).toBe(0);
    expect(existsSync(join(project, '.git', 'marker'))).toBe(false);
  });

  it('fetches only the requested depth and the pipeline refspecs', async () => {
    const run = await getSources(
      {
        depth: 1,
        refspecs: [
          '+refs/pipelines/901:refs/pipelines/901',
          '+refs/heads/main:refs/remotes/origin/main',
        ],
      },
      'clone',
    );
    expect(run.exitCode).toBe(0);
    expect(run.plain).toContain('Fetching changes with git depth set to 1...');
    expect(git(project, 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(git(project, 'rev-parse', 'refs/pipelines/901')).toBe(remote.shas[2]);
  });

  it('creates an empty project dir for GIT_STRATEGY=none and skips hooks', async () => {
    const run = await getSources(
      { hooks: [{ name: 'pre_get_sources_script', script: ['echo hook-ran'] }] },
      'none',
    );
    expect(run.exitCode).toBe(0);
    expect(run.plain).toContain('Skipping Git repository setup');
    expect(run.plain).toContain('Skipping Git checkout');
    expect(run.plain).not.toContain('hook-ran');
    expect(existsSync(project)).toBe(true);
    expect(existsSync(join(project, '.git'))).toBe(false);
  });

  it('skips the checkout with GIT_CHECKOUT=false', async () => {
    const run = await getSources({ variables: [{ key: 'GIT_CHECKOUT', value: 'false' }] }, 'clone');
    expect(run.exitCode).toBe(0);
    expect(run.plain).toContain('Skipping Git checkout');
    expect(existsSync(join(project, 'file1.txt'))).toBe(false);
  });

  it('runs runner and job hooks around the fetch in gitlab-runner order', async () => {
    const runner = makeRunner({
      preGetSourcesScript: 'echo runner-pre',
      postGetSourcesScript: 'echo runner-post',
    });
    const run = await getSources(
      {
        hooks: [
          { name: 'pre_get_sources_script', script: ['echo job-pre'] },
          { name: 'post_get_sources_script', script: ['echo "job-post $(git rev-parse HEAD)"'] },
        ],
      },
      'clone',
      runner,
    );
    expect(run.exitCode).toBe(0);
    const order = [
      'runner-pre\n',
      'job-pre\n',
      'Fetching changes',
      `job-post ${remote.shas[2]}`,
      'runner-post\n',
    ];
    const positions = order.map((s) => run.plain.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('initialises submodules with GIT_SUBMODULE_STRATEGY and rejects unknown strategies', async () => {
    const lib = createGitRemote(join(tmp.dir, 'lib'), 1);
    const work = join(tmp.dir, 'origin', 'work');
    git(work, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib.url, 'lib');
    git(work, 'commit', '-q', '-m', 'add lib');
    git(work, 'push', '-q', remote.bare, 'HEAD:main');
    const sha = git(work, 'rev-parse', 'HEAD');
    const allowFile = [
      { key: 'GIT_CONFIG_COUNT', value: '1' },
      { key: 'GIT_CONFIG_KEY_0', value: 'protocol.file.allow' },
      { key: 'GIT_CONFIG_VALUE_0', value: 'always' },
    ];
    const run = await getSources(
      { sha, variables: [{ key: 'GIT_SUBMODULE_STRATEGY', value: 'recursive' }, ...allowFile] },
      'clone',
    );
    expect(run.exitCode).toBe(0);
    expect(run.plain).toContain('Updating/initializing submodules recursively...');
    expect(readFileSync(join(project, 'lib', 'file1.txt'), 'utf8')).toBe('content 1\n');
    const bad = await getSources(
      { sha, variables: [{ key: 'GIT_SUBMODULE_STRATEGY', value: 'sometimes' }] },
      'fetch',
    );
    expect(bad.exitCode).toBe(1);
    expect(bad.plain).toContain('ERROR: unknown GIT_SUBMODULE_STRATEGY');
  });

  it('fails with the fetch error for a sha the remote does not have', async () => {
    const run = await getSources({ sha: 'deadbeef'.repeat(5) }, 'clone');
    expect(run.exitCode).not.toBe(0);
  });

  it('authenticates over HTTP with the URL credentials without storing or printing them', async () => {
    const token = 'glcbt-64_httpSECRETtoken';
    const server = await startGitHttpServer(
      join(tmp.dir, 'origin', 'remote'),
      'gitlab-ci-token',
      token,
    );
    try {
      const repoUrl = `${server.url.replace('http://', `http://gitlab-ci-token:${token}@`)}/acme/widget.git`;
      const run = await getSources({ repoUrl }, 'clone');
      expect(run.exitCode).toBe(0);
      expect(project).toBe(join(instanceDir, 'builds/t9Wkyj-HG/0/acme/widget'));
      expect(git(project, 'rev-parse', 'HEAD')).toBe(remote.shas[2]);
      expect(readFileSync(join(project, '.git', 'config'), 'utf8')).not.toContain(token);
      expect(git(project, 'remote', 'get-url', 'origin')).toBe(`${server.url}/acme/widget.git`);
      expect(run.output).not.toContain(token);
      const ua = server.requests.map((r) => r.headers['user-agent']).find((u) => u !== undefined);
      expect(ua).toContain('spotrunner test');
    } finally {
      await server.close();
    }
  });
});
