/**
 * The manager's container image (packaging/docker/Dockerfile), built by
 * scripts/build-manager-image.sh from the packed package on a Debian base with this machine's
 * node (no image registry is reachable here), installed offline from the warm npm cache. The
 * image checks a mounted config, and `run` serves /health and /livez as an unprivileged user
 * with a read-only config and its state on a volume, polling a GitLab double on loopback.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../src/platform/clock.js';
import { ensureDocker } from './support/docker.js';
import { packTarball, REPO_ROOT } from './support/pack-tarball.js';

const exec = promisify(execFile);
const clock = new SystemClock();
const IMAGE = 'spotrunner-test/manager:latest';
const IMAGE_UID = 10001;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function docker(args: string[], timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      'docker',
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;

beforeAll(async () => {
  await ensureDocker();
  dir = await mkdtemp(join(tmpdir(), 'spotrunner-image-'));
  const tarball = await packTarball(join(dir, 'pack'));
  const { stdout: npmCache } = await exec('npm', ['config', 'get', 'cache']);
  await exec(
    'bash',
    [
      join(REPO_ROOT, 'scripts', 'build-manager-image.sh'),
      '--test-base',
      '--tag',
      IMAGE,
      '--tarball',
      tarball,
      '--npm-cache',
      npmCache.trim(),
      '--offline',
    ],
    { timeout: 1_200_000, maxBuffer: 64 * 1024 * 1024 },
  );
}, 1_500_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the manager image', () => {
  it('runs as a non-root user, stops with SIGQUIT, has a health check and volumes', async () => {
    const { stdout } = await docker(['image', 'inspect', '-f', '{{json .Config}}', IMAGE]);
    const config = JSON.parse(stdout) as {
      User: string;
      StopSignal: string;
      Healthcheck?: { Test: string[] };
      Volumes: Record<string, unknown>;
      Entrypoint: string[];
    };
    expect(config.User).toBe(`${IMAGE_UID}:${IMAGE_UID}`);
    expect(config.StopSignal).toBe('SIGQUIT');
    expect(config.Healthcheck?.Test).toEqual(['CMD', 'node', '/opt/spotrunner/healthcheck.mjs']);
    expect(Object.keys(config.Volumes).sort()).toEqual(['/etc/spotrunner', '/var/lib/spotrunner']);
    expect(config.Entrypoint).toEqual(['spotrunner']);
    const id = await docker(['run', '--rm', '--entrypoint', 'id', IMAGE, '-u']);
    expect(id.code).toBe(0);
    expect(Number(id.stdout.trim())).not.toBe(0);
  });

  it('checks a mounted config', async () => {
    const example = join(REPO_ROOT, 'examples', 'seed-002.toml');
    const mount = ['-v', `${example}:/etc/spotrunner/config.toml:ro`];
    const ok = await docker([
      'run',
      '--rm',
      '-e',
      'GITLAB_RUNNER_TOKEN=glrt-x',
      ...mount,
      IMAGE,
      'config',
      'check',
      '/etc/spotrunner/config.toml',
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('/etc/spotrunner/config.toml: OK (1 runner(s), 0 warning(s))');
    const bad = await docker([
      'run',
      '--rm',
      ...mount,
      IMAGE,
      'config',
      'check',
      '/etc/spotrunner/config.toml',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('GITLAB_RUNNER_TOKEN is not set');
  });

  it('health check passes without listen_address and fails when nothing answers on it', async () => {
    const probe = async (text: string): Promise<Result> => {
      const file = join(dir, `probe-${Math.random().toString(36).slice(2)}.toml`);
      await writeFile(file, text);
      return docker([
        'run',
        '--rm',
        '--network',
        'none',
        '-v',
        `${file}:/etc/spotrunner/config.toml:ro`,
        '--entrypoint',
        'node',
        IMAGE,
        '/opt/spotrunner/healthcheck.mjs',
      ]);
    };
    expect((await probe('concurrent = 1\n')).code).toBe(0);
    const down = await probe('listen_address = ":9252"\n[[runners]]\nname = "r"\n');
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('http://127.0.0.1:9252/livez');
  });
});

describe('spotrunner run in the manager image', () => {
  let gitlab: Server;
  const requests: { url: string; token: string }[] = [];
  const container = `spotrunner-test-run-${process.pid}`;

  beforeAll(async () => {
    gitlab = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const token = (JSON.parse(body || '{}') as { token?: string }).token ?? '';
        requests.push({ url: req.url ?? '', token });
        res.writeHead(req.url === '/api/v4/jobs/request' ? 204 : 404).end();
      });
    });
    await new Promise<void>((resolve) => gitlab.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await docker(['rm', '-f', container]);
    await new Promise<void>((resolve) => gitlab.close(() => resolve()));
  });

  it('serves /health, polls GitLab, keeps state on its volume and stops on SIGQUIT', async () => {
    const healthPort = await freePort();
    const gitlabPort = (gitlab.address() as AddressInfo).port;
    const configFile = join(dir, 'run-config.toml');
    await writeFile(
      configFile,
      [
        'concurrent = 1',
        `listen_address = "127.0.0.1:${healthPort}"`,
        'shutdown_timeout = 10',
        '[[runners]]',
        '  name = "container"',
        `  url = "http://127.0.0.1:${gitlabPort}"`,
        '  token = "${RUNNER_TOKEN}"',
        '  executor = "shell"',
        '',
      ].join('\n'),
    );
    const state = join(dir, 'state');
    await mkdir(state);
    await chown(state, IMAGE_UID, IMAGE_UID);
    // Host networking: the status server and the GitLab double are on this machine's loopback.
    const started = await docker([
      'run',
      '-d',
      '--name',
      container,
      '--network',
      'host',
      // As the Helm chart runs it: read-only root filesystem, no capabilities.
      '--read-only',
      '--tmpfs',
      '/tmp',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '-e',
      'RUNNER_TOKEN=glrt-container-token',
      '-v',
      `${configFile}:/etc/spotrunner/config.toml:ro`,
      '-v',
      `${state}:/var/lib/spotrunner`,
      IMAGE,
    ]);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);

    const health = await waitForHealth(`http://127.0.0.1:${healthPort}/health`, container);
    expect(health).toEqual({ ok: true, state: 'running' });
    const livez = await fetch(`http://127.0.0.1:${healthPort}/livez`);
    expect(livez.status).toBe(200);
    await waitFor(() => requests.length > 0, 'a jobs/request from the container');
    expect(requests[0]).toEqual({ url: '/api/v4/jobs/request', token: 'glrt-container-token' });

    const uid = await docker(['exec', container, 'id', '-u']);
    expect(Number(uid.stdout.trim())).toBe(IMAGE_UID);
    const probe = await docker(['exec', container, 'node', '/opt/spotrunner/healthcheck.mjs']);
    expect(probe.code).toBe(0);
    const ready = ['exec', container, 'node', '/opt/spotrunner/healthcheck.mjs', '/health'];
    expect((await docker(ready)).code).toBe(0);

    const stop = await docker(['stop', '-t', '30', container], 60_000);
    expect(stop.code).toBe(0);
    const logs = await docker(['logs', container]);
    expect(logs.stdout + logs.stderr).toMatch(/graceful shutdown.*signal=SIGQUIT/);
    expect(logs.stdout + logs.stderr).toContain('manager stopped');
    // The config is read-only: state and the system id live in the state volume.
    expect(existsSync(join(state, 'state.json'))).toBe(true);
    expect(existsSync(join(state, '.runner_system_id'))).toBe(true);
  }, 180_000);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls until `check` holds; the bound only ends a hung test, it measures nothing. */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (check()) return;
    await clock.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The first 200 answer of /health (503 while the manager starts). */
async function waitForHealth(url: string, container: string): Promise<unknown> {
  let last = 'no answer';
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(url);
      const body: unknown = await res.json();
      if (res.ok) return body;
      last = `${res.status} ${JSON.stringify(body)}`;
    } catch {
      // not listening yet
    }
    await clock.sleep(100);
  }
  const logs = await docker(['logs', container]);
  throw new Error(`${url}: ${last}; container logs:\n${logs.stdout}${logs.stderr}`);
}
