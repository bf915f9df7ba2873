/** Echo servers on a unix socket or a loopback TCP port, the far ends of tunnel tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';

export interface EchoServer {
  /** Unix socket path, or `host:port`. */
  address: string;
  port?: number;
  /** Connections accepted so far. */
  connections(): number;
  stop(): Promise<void>;
}

function echoServer(): { server: net.Server; count: () => number; sockets: Set<net.Socket> } {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  return { server, count: () => count, sockets };
}

async function close(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function startUnixEchoServer(): Promise<EchoServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-echo-'));
  const socketPath = path.join(dir, 'echo.sock');
  const { server, count, sockets } = echoServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    address: socketPath,
    connections: count,
    stop: async () => {
      await close(server, sockets);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startTcpEchoServer(host = '127.0.0.1'): Promise<EchoServer> {
  const { server, count, sockets } = echoServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `${host}:${port}`,
    port,
    connections: count,
    stop: () => close(server, sockets),
  };
}

/** Writes `text` into a stream and resolves with the same number of bytes read back. */
export function roundTrip(stream: Duplex, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    stream.on('data', (chunk: Buffer) => {
      got += chunk.toString();
      if (got.length >= text.length) resolve(got);
    });
    stream.once('error', reject);
    stream.write(text);
  });
}
