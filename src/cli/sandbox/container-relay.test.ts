import { readFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, ensureDocker } from '../../../test/support/docker.js';
import { startContainerRelay, type ContainerRelay } from './container-relay.js';

let relay: ContainerRelay;
let target: Server;

/** Sends `text` to host:port and resolves with its echo, or with the connect error code. */
function exchange(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => socket.write(text));
    let got = '';
    socket.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.length >= text.length) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

/** Local addresses listening on `port` (IPv4, /proc/net/tcp, state 0A = LISTEN). */
async function listenersOn(port: number): Promise<string[]> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A')
    .map((f) => {
      const addr = f[1]!.split(':')[0]!;
      const bytes = addr.match(/../g)!.map((b) => parseInt(b, 16));
      return bytes.reverse().join('.');
    });
}

beforeAll(async () => {
  await ensureDocker();
  target = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  relay = await startContainerRelay();
  relay.setTarget((target.address() as AddressInfo).port);
});

afterAll(async () => {
  await relay?.stop();
  await new Promise((resolve) => target?.close(resolve));
});

describe('the container relay of the sandbox', () => {
  it('listens only on the Docker bridge gateway, where containers reach it', async () => {
    const { hostname, port } = new URL(relay.url);
    const bridge = await docker(
      'network',
      'inspect',
      'bridge',
      '--format',
      '{{range .IPAM.Config}}{{.Gateway}}|{{.Subnet}}{{end}}',
    );
    const [gateway, subnet] = bridge.split('|');
    // The configured gateway, else the bridge's first address (docker0's own).
    expect(hostname).toBe(gateway || subnet!.replace(/\.0\/\d+$/, '.1'));
    expect(await listenersOn(Number(port))).toEqual([hostname]);
    expect(await exchange(hostname, Number(port), 'through the bridge')).toBe('through the bridge');
    // Not on every interface: loopback (as any other address) is refused.
    expect(await exchange('127.0.0.1', Number(port), 'x')).toBe('ECONNREFUSED');
  });
});
