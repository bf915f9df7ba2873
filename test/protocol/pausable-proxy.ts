/**
 * A TCP proxy in front of an HTTP server that can go down (listener closed, every connection cut:
 * clients get "connection refused") and come back up on the same port — GitLab restarting.
 */
import net from 'node:net';

export interface PausableProxy {
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPausableProxy(target: URL): Promise<PausableProxy> {
  const sockets = new Set<net.Socket>();
  let server = createServer();
  function createServer(): net.Server {
    return net.createServer((client) => {
      const upstream = net.connect({ host: target.hostname, port: Number(target.port) });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    down: close,
    async up(): Promise<void> {
      server = createServer();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    stop: close,
  };
}
