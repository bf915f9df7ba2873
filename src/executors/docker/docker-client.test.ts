import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import { createProcessConnection } from '../../connect/process-connection.js';
import { makeTempDir } from '../testing/job-fixture.js';
import { createTunnelDocker, dockerSocketPath } from './docker-client.js';

let tmp: { dir: string; remove: () => void };
let server: Server;
let socketPath: string;
const hosts: string[] = [];

beforeEach(async () => {
  tmp = makeTempDir('spotrunner-engine-');
  socketPath = join(tmp.dir, 'engine.sock');
  server = createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('OK');
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

function counting(inner: InstanceConnection, opened: string[]): InstanceConnection {
  return {
    instanceId: inner.instanceId,
    get closed() {
      return inner.closed;
    },
    exec: (c, o) => inner.exec(c, o),
    openTcp: (h, p) => inner.openTcp(h, p),
    close: () => inner.close(),
    openUnixSocket: (path): Promise<Duplex> => {
      opened.push(path);
      return inner.openUnixSocket(path);
    },
  };
}

describe('Docker client over the instance connection', () => {
  it('sends every request through connection.openUnixSocket, never to a real host', async () => {
    const opened: string[] = [];
    const connection = counting(
      createProcessConnection({ instanceId: 'i-1', cwd: tmp.dir }),
      opened,
    );
    const docker = createTunnelDocker(connection, { socketPath });
    expect(String(await docker.ping())).toBe('OK');
    expect(String(await docker.ping())).toBe('OK');
    expect(opened.length).toBeGreaterThanOrEqual(1);
    expect(new Set(opened)).toEqual(new Set([socketPath]));
    expect(hosts.every((h) => h.startsWith('internal.tunnel.invalid'))).toBe(true);
  });

  it('fails a request with the connection error when the socket cannot be opened', async () => {
    const connection = createProcessConnection({ instanceId: 'i-1', cwd: tmp.dir });
    const docker = createTunnelDocker(connection, { socketPath: join(tmp.dir, 'missing.sock') });
    await expect(docker.ping()).rejects.toThrow(/cannot open socket/);
  });

  it('reads [runners.docker] host as a socket path on the instance', () => {
    expect(dockerSocketPath(undefined)).toBe('/var/run/docker.sock');
    expect(dockerSocketPath('unix:///run/user/1000/docker.sock')).toBe(
      '/run/user/1000/docker.sock',
    );
    expect(dockerSocketPath('/var/run/docker.sock')).toBe('/var/run/docker.sock');
    expect(() => dockerSocketPath('tcp://10.0.0.1:2376')).toThrow(/not a unix socket/);
  });
});
