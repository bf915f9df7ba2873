import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessConnection } from '../../connect/process-connection.js';
import { silentLogger } from '../../platform/logger.js';
import { makeTempDir } from '../testing/job-fixture.js';
import { MemoryTrace } from '../testing/memory-trace.js';
import { createTunnelDocker } from './docker-client.js';
import { DockerJobError } from './docker-errors.js';
import { ensureImage, pullWallMs, type PullInterval } from './image-puller.js';

/** A Docker Engine API double on a unix socket: image inspect and image create (pull). */
interface EngineDouble {
  images: Set<string>;
  pulls: { query: URLSearchParams; auth?: unknown }[];
  pullError?: string;
}

let tmp: { dir: string; remove: () => void };
let server: Server;
let engine: EngineDouble;
let socketPath: string;

beforeEach(async () => {
  tmp = makeTempDir('spotrunner-engine-');
  socketPath = join(tmp.dir, 'docker.sock');
  engine = { images: new Set(), pulls: [] };
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const inspect = /^\/images\/(.+)\/json$/.exec(url.pathname);
    if (req.method === 'GET' && inspect) {
      const name = decodeURIComponent(inspect[1]!);
      if (!engine.images.has(name)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `No such image: ${name}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          Id: 'sha256:feed',
          Config: { ExposedPorts: { '5432/tcp': {}, '53/udp': {} } },
        }),
      );
      return;
    }
    if (req.method === 'POST' && url.pathname === '/images/create') {
      const header = req.headers['x-registry-auth'];
      const auth =
        typeof header === 'string'
          ? (JSON.parse(Buffer.from(header, 'base64url').toString()) as unknown)
          : undefined;
      engine.pulls.push({ query: url.searchParams, auth });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ status: 'Pulling from acme/app' }) + '\n');
      if (engine.pullError) {
        res.end(
          JSON.stringify({ errorDetail: { message: engine.pullError }, error: engine.pullError }) +
            '\n',
        );
        return;
      }
      engine.images.add(`${url.searchParams.get('fromImage')}:${url.searchParams.get('tag')}`);
      res.end(JSON.stringify({ status: 'Downloaded newer image' }) + '\n');
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterEach(async () => {
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  tmp.remove();
});

function deps(trace = new MemoryTrace()) {
  const connection = createProcessConnection({ instanceId: 'engine', cwd: tmp.dir });
  return { docker: createTunnelDocker(connection, { socketPath }), trace, logger: silentLogger };
}

const AUTH = {
  auth: { username: 'deploy', password: 'pw', serveraddress: 'registry.example.com' },
  source: 'DOCKER_AUTH_CONFIG' as const,
};

describe('image pulls by policy', () => {
  it("pulls with 'always', sending the registry's credentials, and reads the exposed TCP ports", async () => {
    const info = await ensureImage(deps(), {
      name: 'registry.example.com/acme/app',
      policies: ['always'],
      auth: AUTH,
      platform: 'linux/arm64',
    });
    expect(info).toEqual({ id: 'sha256:feed', exposedPorts: [5432] });
    expect(engine.pulls).toHaveLength(1);
    expect(engine.pulls[0]!.query.get('fromImage')).toBe('registry.example.com/acme/app');
    expect(engine.pulls[0]!.query.get('tag')).toBe('latest');
    expect(engine.pulls[0]!.query.get('platform')).toBe('linux/arm64');
    expect(engine.pulls[0]!.auth).toEqual(AUTH.auth);
  });

  it("uses a local image with 'if-not-present' and never pulls it", async () => {
    engine.images.add('acme/app:1');
    const trace = new MemoryTrace();
    await ensureImage(deps(trace), { name: 'acme/app:1', policies: ['if-not-present'] });
    expect(engine.pulls).toHaveLength(0);
    expect(trace.plain).toContain(
      'Using locally found image version due to "if-not-present" pull policy',
    );
  });

  it('tries the next policy after a failed one and fails with image_pull_failure after the last', async () => {
    engine.pullError = 'pull access denied for acme/app';
    const trace = new MemoryTrace();
    const failure = await ensureImage(deps(trace), {
      name: 'acme/app:1',
      policies: ['always', 'never'],
    }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(DockerJobError);
    expect(failure).toMatchObject({
      failureReason: 'image_pull_failure',
      message:
        'failed to pull image "acme/app:1" with specified policies [always never]: image "acme/app:1" is not present on the instance and the pull policy is "never"',
    });
    expect(trace.plain).toContain(
      'WARNING: Failed to pull image with policy "always": pull access denied for acme/app',
    );
    expect(trace.plain).toContain('Attempt #2: Trying "never" pull policy');
  });

  it('falls back to a local image when pulling fails and if-not-present follows', async () => {
    engine.images.add('acme/app:1');
    engine.pullError = 'registry unreachable';
    const info = await ensureImage(deps(), {
      name: 'acme/app:1',
      policies: ['always', 'if-not-present'],
    });
    expect(info.id).toBe('sha256:feed');
    expect(engine.pulls).toHaveLength(1);
  });

  it('reports the interval of a pull from the registry, and none for a local image', async () => {
    let now = 1_000;
    const pulls: PullInterval[] = [];
    const timed = {
      ...deps(),
      nowMs: () => (now += 250),
      onPull: (p: PullInterval) => pulls.push(p),
    };
    engine.images.add('acme/local:1');
    await ensureImage(timed, { name: 'acme/local:1', policies: ['if-not-present'] });
    expect(pulls).toEqual([]);
    await ensureImage(timed, { name: 'acme/app:2', policies: ['if-not-present'] });
    expect(pulls).toEqual([{ startMs: 1_250, endMs: 1_500 }]);
  });
});

describe('wall time of concurrent pulls', () => {
  it('counts overlapping pulls once and gaps not at all', () => {
    const intervals = [
      { startMs: 100, endMs: 400 },
      { startMs: 0, endMs: 200 },
      { startMs: 1_000, endMs: 1_050 },
      { startMs: 150, endMs: 300 },
    ];
    expect(pullWallMs(intervals)).toBe(400 + 50);
    expect(pullWallMs([])).toBe(0);
  });
});
