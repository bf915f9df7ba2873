import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureTestImages } from '../support/docker.js';
import { runCli } from './cli-process.js';
import { PROJECTS_DIR, REPO_ROOT, processesUnder } from './harness.js';

let dataDir: string | undefined;
afterEach(async () => {
  const dir = dataDir;
  dataDir = undefined;
  if (!dir) return;
  const left = await processesUnder(dir);
  await rm(dir, { recursive: true, force: true });
  expect(left).toEqual([]);
});

describe('spotrunner sandbox (the CLI)', () => {
  it('runs the bundled demo project to success, prints the summary and exits 0', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'spotrunner-cli-e2e-'));
    const run = await runCli([
      'sandbox',
      '--executor',
      'instance',
      '--idle-time',
      '2s',
      '--boot-delay',
      '0s',
      '--data-dir',
      dataDir,
    ]);

    const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(run.stderr, output).not.toMatch(/ERROR|WARN|Error:/);
    expect(run.code, output).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/pipeline #1 on main \([0-9a-f]{8}\): passed with warnings/);
    for (const [id, name] of [
      [1, 'build'],
      [2, 'test'],
      [3, 'secret'],
      [5, 'deploy'],
    ] as const) {
      expect(out).toMatch(new RegExp(`#${id} ${name} +success`));
    }
    expect(out).toMatch(/#4 lint +failed \(script_failure, exit 1, allowed to fail\)/);
    expect(out).toContain('fleet is back to zero instances');
    expect(out).toMatch(/sandbox: pipeline success\n?$/);
    const traces = await readdir(join(dataDir, 'traces'));
    expect(traces.sort()).toEqual([
      '1-build.log',
      '2-test.log',
      '3-secret.log',
      '4-lint.log',
      '5-deploy.log',
    ]);
    expect(await readdir(join(dataDir, 'instances'))).toEqual([]);
  });

  it('exits 1 when the pipeline of the given project fails', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'spotrunner-cli-e2e-'));
    const run = await runCli([
      'sandbox',
      join(PROJECTS_DIR, 'failing'),
      '--executor',
      'instance',
      '--boot-delay',
      '0s',
      '--no-wait-scale-down',
      '--data-dir',
      dataDir,
    ]);

    const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(run.code, output).toBe(1);
    expect(run.stdout, output).toMatch(/#1 broken +failed \(script_failure, exit 2\)/);
    expect(run.stdout).toContain('sandbox: pipeline failed (exit code 1)');
    expect(await readdir(join(dataDir, 'instances'))).toEqual([]);
  });

  it('runs a project in Docker on local instances (as root: through their unprivileged user)', async () => {
    await ensureTestImages();
    dataDir = await mkdtemp(join(tmpdir(), 'spotrunner-cli-e2e-'));
    const run = await runCli([
      'sandbox',
      join(PROJECTS_DIR, 'failing'),
      '--executor',
      'docker-autoscaler',
      '--boot-delay',
      '0s',
      '--no-wait-scale-down',
      '--data-dir',
      dataDir,
    ]);

    const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(run.stderr, output).not.toMatch(/ERROR|Error:/);
    expect(run.code, output).toBe(1);
    expect(run.stdout, output).toMatch(/#1 broken +failed \(script_failure, exit 2\)/);
    expect(run.stdout).toMatch(/containers use http:\/\/\d+\.\d+\.\d+\.\d+:\d+/);
  });

  it('runs a project whose rules come from an included file through !reference, jobs in Docker', async () => {
    await ensureTestImages();
    dataDir = await mkdtemp(join(tmpdir(), 'spotrunner-cli-e2e-'));
    const project = join(REPO_ROOT, 'src/sandbox/testdata-yaml/real-world-reference-rules');
    const run = await runCli([
      'sandbox',
      project,
      '--executor',
      'docker-autoscaler',
      '--boot-delay',
      '0s',
      '--no-wait-scale-down',
      '--data-dir',
      dataDir,
    ]);

    const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(run.code, output).toBe(0);
    expect(run.stdout, output).toMatch(
      /: success\n {2}build\n {4}#1 build +success\n {2}test\n {4}#2 unit-tests +success\n {2}deploy\n {4}#3 deploy +success\n/,
    );
    expect(run.stdout).not.toContain('docs-preview');
    const deploy = await readFile(join(dataDir, 'traces', '3-deploy.log'), 'utf8');
    expect(deploy).toContain('pipeline for main');
    expect(deploy).toContain('deploying to production');
    expect(deploy).toContain('notify deploy done');
  });
});
