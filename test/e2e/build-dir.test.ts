import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useE2e } from './use-e2e.js';
import { grantDirToJobUser, resolveLocalJobUser } from '../../src/providers/local/index.js';
import { silentLogger } from '../../src/platform/logger.js';

const e2e = useE2e();
const removals: string[] = [];
afterEach(async () => {
  for (const dir of removals.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the build directory on local instances', () => {
  it('keeps the runner project dir when the payload carries CI_PROJECT_DIR, artifacts included', async () => {
    const h = await e2e.start();
    const project = await h.createProject('artifacts-flow', {
      variables: { CI_PROJECT_DIR: '/builds/group/x', CI_BUILDS_DIR: '/builds' },
    });
    const pipeline = await h.runPipeline(project.id);

    expect(pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['build', 'success'],
      ['test', 'success'],
      ['unrelated', 'success'],
      ['deploy', 'success'],
    ]);
    const build = h.job(pipeline, 'build');
    expect(h.trace(h.job(pipeline, 'deploy').id)).toContain(
      `deploy saw artifact payload 7f3e and tests passed on built by job ${build.id}`,
    );
  });

  it('gives concurrent jobs on two instances their own dir in a shared absolute builds_dir', async () => {
    const buildsDir = await mkdtemp(join(tmpdir(), 'spotrunner-abs-builds-'));
    removals.push(buildsDir);
    // Jobs on local instances run as an unprivileged user when the tests run as root.
    await grantDirToJobUser(buildsDir, await resolveLocalJobUser(silentLogger));
    const h = await e2e.start({
      config: {
        capacityPerInstance: 1,
        maxInstances: 2,
        runnerExtra: `  builds_dir = ${JSON.stringify(buildsDir)}`,
      },
    });
    const project = await h.createProject('shared-builds-dir');
    const pipeline = await h.runPipeline(project.id, 60_000);

    expect(pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['left', 'success'],
      ['right', 'success'],
    ]);
    const dirs = ['left', 'right'].map((name) => {
      const m = new RegExp(`^${name} ran in (/\\S+)$`, 'm').exec(h.trace(h.job(pipeline, name).id));
      return m?.[1];
    });
    expect(dirs[0]?.startsWith(`${buildsDir}/`)).toBe(true);
    expect(dirs[1]?.startsWith(`${buildsDir}/`)).toBe(true);
    expect(dirs[0]).not.toBe(dirs[1]);
    const instances = new Set(
      pipeline.jobs.map((j) => h.trace(j.id).match(/Running on (\S+) \(slot/)?.[1]),
    );
    expect(instances.size).toBe(2);
  });
});

describe('GIT_CLONE_PATH', () => {
  it('clones into a path within the builds dir when custom_build_dir is enabled, and refuses one outside', async () => {
    const h = await e2e.start({
      config: { runnerExtra: '  [runners.custom_build_dir]\n    enabled = true' },
    });
    const project = await h.createProject('clone-path');
    const pipeline = await h.runPipeline(project.id);

    expect(pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['inside', 'success'],
      ['outside', 'failed'],
      ['consumer', 'success'],
    ]);
    expect(h.trace(h.job(pipeline, 'inside').id)).toMatch(
      /inside ran in \/\S+\/builds\/go\/src\/acme\/clone-path\n/,
    );
    expect(h.trace(h.job(pipeline, 'consumer').id)).toMatch(
      /consumer read made in \/\S+\/builds\/go\/src\/acme\/clone-path\n/,
    );
    const outside = h.job(pipeline, 'outside');
    expect(outside.failureReason).toBe('script_failure');
    const trace = h.trace(outside.id);
    expect(trace).toContain(
      'ERROR: Job failed: the GIT_CLONE_PATH="/tmp/spotrunner-outside-builds/acme/clone-path" has to be within "$PWD/builds"',
    );
    expect(trace).not.toContain('should-not-run\n');
  });

  it('fails a job that sets GIT_CLONE_PATH on a runner without custom_build_dir', async () => {
    const h = await e2e.start();
    const project = await h.createProject('clone-path');
    const pipeline = await h.runPipeline(project.id);

    expect(h.job(pipeline, 'inside').status).toBe('failed');
    expect(h.trace(h.job(pipeline, 'inside').id)).toContain(
      'ERROR: Job failed: setting GIT_CLONE_PATH is not allowed, enable `custom_build_dir` feature',
    );
  });
});
