/**
 * For `spotrunner sandbox` with Docker: containers cannot reach the host's 127.0.0.1, where the
 * embedded GitLab listens. This relays connections made to the Docker bridge's gateway address
 * (e.g. 172.17.0.1) on to a loopback port, so jobs in containers clone, fetch artifacts and upload
 * them through the bridge. Only the bridge address is bound, never a public interface.
 */
import { request } from 'node:http';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { SpotrunnerError } from '../../platform/errors.js';

export interface ContainerRelay {
  /** `http://<gateway>:<port>`, the URL containers use. */
  url: string;
  /** Where connections go (set once the target server listens). */
  setTarget(port: number): void;
  stop(): Promise<void>;
}

/** `172.17.0.0/16` → `172.17.0.1`: Docker gives the bridge the subnet's first address. */
function firstHost(subnet: string | undefined): string | undefined {
  const m = subnet && /^(\d+)\.(\d+)\.(\d+)\.(\d+)\//.exec(subnet);
  return m ? `${m[1]}.${m[2]}.${m[3]}.${Number(m[4]) + 1}` : undefined;
}

function bridgeGateway(socketPath = '/var/run/docker.sock'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path: '/networks/bridge', method: 'GET', timeout: 3000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          try {
            const net = JSON.parse(body) as {
              IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] };
              Options?: Record<string, string>;
            };
            const configs = net.IPAM?.Config ?? [];
            const name = net.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
            const gw =
              configs.find((c) => c.Gateway)?.Gateway ??
              networkInterfaces()[name]?.find((a) => a.family === 'IPv4')?.address ??
              firstHost(configs.find((c) => c.Subnet?.includes('.'))?.Subnet);
            if (gw) resolve(gw);
            else
              reject(
                new SpotrunnerError('executor', 'the Docker bridge network has no gateway address'),
              );
          } catch (err: unknown) {
            reject(
              new SpotrunnerError('executor', 'cannot read the Docker bridge network', {
                cause: err,
              }),
            );
          }
        });
      },
    );
    req.on('error', (err) =>
      reject(new SpotrunnerError('executor', 'cannot reach the Docker engine', { cause: err })),
    );
    req.end();
  });
}

export async function startContainerRelay(): Promise<ContainerRelay> {
  const host = await bridgeGateway();
  let target = 0;
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = createConnection({ host: '127.0.0.1', port: target });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    setTarget: (p) => {
      target = p;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
