import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three tiers, one `npm test` for all. `unit` (`npm run test:unit`) needs nothing but Node, bash
 * and git; `system` starts OpenSSH's sshd (test/support/sshd.ts) or uses the Docker engine
 * (test/support/docker.ts); `e2e` runs the whole product through the harnesses of these folders.
 */
export const E2E_DIRS = [
  'test/e2e',
  'test/e2e-aws',
  'test/protocol',
  'test/aws-setup',
  'test/image-bake',
] as const;

/**
 * Test files that call `startSshd()` (or `startSshdConnection()`) or `ensureDocker()`. Listed by
 * name: their neighbours in the same folders need neither. test/test-tiers.test.ts fails when
 * one is missing here.
 */
export const SYSTEM_TESTS = [
  'src/cli/sandbox/container-relay.test.ts',
  'src/connect/connection-pool.test.ts',
  'src/connect/dial-failures.test.ts',
  'src/connect/dial-ssh.test.ts',
  'src/connect/host-keys.test.ts',
  'src/connect/ssh-abort.test.ts',
  'src/connect/ssh-tunnels.test.ts',
  'src/executors/docker/docker-contract.test.ts',
  'src/executors/docker/docker-executor.test.ts',
  'src/executors/docker/docker-failures.test.ts',
  'src/executors/docker/docker-options.test.ts',
  'src/executors/docker/docker-ssh.test.ts',
  'src/executors/docker/stale-job-resources.test.ts',
  'src/executors/shell/shell-over-sshd.test.ts',
  'src/providers/static/static-provider.test.ts',
  'test/docker-image-pull.test.ts',
  'test/manager-image.test.ts',
] as const;

export const ALL_TESTS = ['src/**/*.test.ts', 'test/**/*.test.ts'];
const e2eTests = E2E_DIRS.map((dir) => `${dir}/**/*.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ALL_TESTS,
          exclude: [...configDefaults.exclude, ...SYSTEM_TESTS, ...e2eTests],
        },
      },
      { extends: true, test: { name: 'system', include: [...SYSTEM_TESTS] } },
      { extends: true, test: { name: 'e2e', include: e2eTests } },
    ],
  },
});
