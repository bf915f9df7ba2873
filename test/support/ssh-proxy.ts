/**
 * A loopback TCP proxy in front of a server, that can go silent (`blackhole()`): bytes are then
 * swallowed in both directions while the sockets stay open — a dead peer, as keepalive sees it.
 */
import net from 'node:net';

export interface TestProxy {
  port: number;
  /** Bytes received from clients so far. */
  bytesFromClients(): number;
  blackhole(): void;
  stop(): Promise<void>;
}

export async function startProxy(targetHost: string, targetPort: number): Promise<TestProxy> {
  let silent = false;
  let fromClients = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: targetHost, port: targetPort });
    track(client);
    track(upstream);
    client.on('data', (chunk: Buffer) => {
      fromClients += chunk.length;
      if (!silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!silent) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    bytesFromClients: () => fromClients,
    blackhole: () => {
      silent = true;
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP listener that accepts connections and never says a word. */
export async function startSilentListener(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
