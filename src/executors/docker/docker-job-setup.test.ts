import { describe, expect, it } from 'vitest';
import type { ExecutionContext } from '../executor.js';
import { makeJob, makeRunner } from '../testing/job-fixture.js';
import { MemoryTrace } from '../testing/memory-trace.js';
import { defaultDockerConfig } from './container-config.js';
import { createDockerScriptContext, isSharedBuildsDir } from './docker-job-setup.js';

function context(volumes: string[], variables: { key: string; value: string }[] = []) {
  const ctx: ExecutionContext = {
    job: makeJob({ variables }),
    runner: makeRunner({
      executor: 'docker-autoscaler',
      docker: { ...defaultDockerConfig(), volumes },
    }),
    connection: {} as ExecutionContext['connection'],
    instance: { id: 'i-1', slot: 0, os: 'linux', arch: 'amd64' },
    concurrency: { id: 4, projectId: 2 },
    trace: new MemoryTrace(),
    abortSignal: new AbortController().signal,
    cancelSignal: new AbortController().signal,
    gitlabUrl: 'https://gitlab.example.com',
    nowMs: () => 0,
  };
  return createDockerScriptContext(ctx, { version: 'test', revision: 'abc' });
}

describe('docker build directory', () => {
  it('treats a builds dir mounted from the host (or above it) as shared, like gitlab-runner', () => {
    expect(isSharedBuildsDir('/builds', [])).toBe(false);
    expect(isSharedBuildsDir('/builds', ['/cache'])).toBe(false);
    expect(isSharedBuildsDir('/builds', ['/srv/builds:/builds'])).toBe(true);
    expect(isSharedBuildsDir('/builds', ['named:/builds:rw'])).toBe(true);
    expect(isSharedBuildsDir('/work/builds', ['/srv:/work'])).toBe(true);
    expect(isSharedBuildsDir('/builds', ['/srv:/buildsx'])).toBe(false);
    expect(isSharedBuildsDir('/builds', ['/srv/builds:/builds/sub'])).toBe(false);
  });

  it('lays a shared builds dir out by short token and concurrent project id', () => {
    expect(context([]).layout.projectDir).toBe('/builds/acme/widget');
    const shared = context(['/srv/builds:/builds']);
    expect(shared.layout.projectDir).toBe('/builds/t9Wkyj-HG/2/acme/widget');
    expect(shared.vars.value('CI_CONCURRENT_ID')).toBe('4');
    expect(shared.vars.value('CI_CONCURRENT_PROJECT_ID')).toBe('2');
  });

  it('allows GIT_CLONE_PATH by default, within the builds dir', () => {
    const custom = context([], [{ key: 'GIT_CLONE_PATH', value: '$CI_BUILDS_DIR/go/src/w' }]);
    expect(custom.buildDirError).toBeUndefined();
    expect(custom.layout.projectDir).toBe('/builds/go/src/w');
    expect(custom.vars.value('CI_PROJECT_DIR')).toBe('/builds/go/src/w');
    const outside = context([], [{ key: 'GIT_CLONE_PATH', value: '/go/src/w' }]);
    expect(outside.buildDirError).toBe('the GIT_CLONE_PATH="/go/src/w" has to be within "/builds"');
  });
});
