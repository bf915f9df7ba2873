/**
 * An instance that is listed (taken from the static pool) ~10 s before its OpenSSH sshd starts
 * listening, as EC2 instances are InService 10–40 s before sshd answers: the manager keeps
 * connecting until sshd answers and runs the job there, with one instance and no failed start.
 * The job runs in a container through the docker-autoscaler executor (never as root on the host).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startManager, type StartedManager } from '../../src/app/start-manager.js';
import { loadConfig } from '../../src/config/index.js';
import { SystemClock } from '../../src/platform/clock.js';
import { MemoryLogger } from '../../src/platform/logger.js';
import { createSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';
import { ensureTestImages, TEST_HELPER_IMAGE, TEST_JOB_IMAGE } from '../support/docker.js';
import { generateTestKeyPair } from '../support/ssh-keys.js';
import { findFreePort, startSshd, type TestSshd } from '../support/sshd.js';

const clock = new SystemClock();
const SSHD_LATE_MS = 10_000;
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

const q = (s: string): string => JSON.stringify(s);

function configToml(o: {
  url: string;
  token: string;
  port: number;
  keyPath: string;
  hostKey: string;
}): string {
  return [
    'concurrent = 2',
    'check_interval = 1',
    'log_level = "info"',
    '[[runners]]',
    '  name = "late-sshd"',
    `  url = ${q(o.url)}`,
    `  token = ${q(o.token)}`,
    '  executor = "docker-autoscaler"',
    '  [runners.docker]',
    `    image = ${q(TEST_JOB_IMAGE)}`,
    `    helper_image = ${q(TEST_HELPER_IMAGE)}`,
    '    pull_policy = "if-not-present"',
    '  [runners.autoscaler]',
    '    plugin = "static"',
    '    capacity_per_instance = 1',
    '    max_instances = 1',
    '    update_interval = "1s"',
    '    update_interval_when_expecting = "1s"',
    '    [runners.autoscaler.connector_config]',
    '      username = "root"',
    `      key_path = ${q(o.keyPath)}`,
    '      timeout = "5s"',
    '    [[runners.autoscaler.plugin_config.hosts]]',
    '      name = "late"',
    '      address = "127.0.0.1"',
    `      port = ${o.port}`,
    `      host_key = ${q(o.hostKey)}`,
    '    [[runners.autoscaler.policy]]',
    '      idle_count = 0',
    '      idle_time = "10m"',
    '',
  ].join('\n');
}

async function startSandbox(dataDir: string): Promise<{ server: SandboxServer; url: string }> {
  const server = createSandboxServer(
    { clock, logger: new MemoryLogger() },
    { dataDir: join(dataDir, 'gitlab'), longPollMs: 1_000, traceUpdateIntervalS: 1 },
  );
  const { url } = await server.start();
  cleanup.push(() => server.stop());
  return { server, url };
}

describe('an instance whose sshd starts after it is listed', () => {
  it('keeps connecting until sshd answers, then runs the job on that one instance', async () => {
    await ensureTestImages();
    const dataDir = await mkdtemp(join(tmpdir(), 'spotrunner-late-sshd-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const { server, url } = await startSandbox(dataDir);
    const runner = server.createRunner({ description: 'late sshd', runUntagged: true });
    const projectDir = join(dataDir, 'project');
    await mkdir(projectDir);
    await writeFile(
      join(projectDir, '.gitlab-ci.yml'),
      'job:\n  variables:\n    GIT_STRATEGY: none\n  script:\n    - echo "ran after sshd came up"\n',
    );
    const project = await server.createProject({ sourceDir: projectDir, name: 'late' });

    // The host is in the pool, but nothing listens on its port yet: connections are refused.
    const port = await findFreePort('127.0.0.1');
    const keys = { host: generateTestKeyPair('host'), client: generateTestKeyPair('client') };
    const keyPath = join(dataDir, 'id_ed25519');
    await writeFile(keyPath, keys.client.privateKey, { mode: 0o600 });
    const configFile = join(dataDir, 'config.toml');
    const hostKey = keys.host.publicKey.split(' ').slice(0, 2).join(' ');
    await writeFile(configFile, configToml({ url, token: runner.token, port, keyPath, hostKey }));
    const { config } = await loadConfig(configFile, { env: {} });
    const logs = new MemoryLogger();
    const started: StartedManager = await startManager(
      { clock, logger: logs },
      { config, version: 'e2e', env: { PATH: process.env.PATH }, stateDir: join(dataDir, 'st') },
    );
    cleanup.push(() => started.close(0));

    const pipeline = await server.createPipeline(project.id);
    let sshd: TestSshd | undefined;
    const late = clock.sleep(SSHD_LATE_MS).then(async () => {
      sshd = await startSshd({ port, keys });
      cleanup.push(() => sshd!.stop());
    });
    const done = await server.waitForPipeline(pipeline.id, { timeoutMs: 90_000 });
    await late;

    const job = done.jobs.find((j) => j.name === 'job')!;
    expect(done.status, server.trace(job.id, { plain: true }) ?? '').toBe('success');
    expect(server.trace(job.id, { plain: true })).toContain('ran after sshd came up');
    // One instance, never thrown away.
    const counters = started.manager.stacks()[0]!.fleet.counters();
    expect(counters).toMatchObject({ instancesGranted: 1, readyUpFailures: 0, startTimeouts: 0 });
    expect(logs.records.filter((r) => r.msg === 'hosts taken')).toHaveLength(1);
    expect(logs.records.filter((r) => r.msg === 'instance marked for removal')).toEqual([]);
    // Connections were refused while sshd was not up yet, and retried.
    const retries = logs.records.filter((r) => r.msg === 'instance not reachable yet; retrying');
    expect(retries.length).toBeGreaterThan(0);
    expect(String(retries[0]?.fields.err)).toMatch(/ECONNREFUSED/);
  }, 120_000);
});
