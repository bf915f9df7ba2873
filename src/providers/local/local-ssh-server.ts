/**
 * The SSH endpoint of one local instance, on ssh2's Server: public-key auth for one user and
 * one client key, sessions (local-session.ts), OpenSSH streamlocal forwarding to unix sockets
 * (the Docker socket) and direct-tcpip forwarding.
 */
import net from 'node:net';
import ssh2, { type Connection, type ParsedKey } from 'ssh2';
import type { Clock } from '../../platform/clock.js';
import { SpotrunnerError, describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { ProcessSet, killInstanceProcesses } from './local-processes.js';
import { handleSession } from './local-session.js';

export interface LocalSshServerOptions {
  /** Loopback address to listen on. */
  host: string;
  /** Port to listen on; default 0 (chosen by the system). */
  port?: number;
  /** Host private key (OpenSSH format). */
  hostPrivateKey: string;
  /** The one client public key accepted (`ssh-ed25519 AAAA…`). */
  clientPublicKey: string;
  username: string;
  dir: string;
  /** Who commands run as (uid/gid); the manager's own user when omitted. */
  runAs?: { uid: number; gid: number };
  shell: string;
  env: Readonly<Record<string, string>>;
  /** Unix socket paths to serve instead of the requested ones (e.g. the Docker socket). */
  socketRedirects?: Readonly<Record<string, string>>;
}

export interface LocalSshServer {
  port: number;
  /**
   * Accepts `publicKey` for `username` until `expiresAtMs` (EC2 Instance Connect's pushed keys).
   * Commands run as `runAs` (or the manager's user) whatever name logged in.
   */
  authorize(username: string, publicKey: string, expiresAtMs: number): void;
  /** Pids of the process groups still running. */
  processPids(): number[];
  /** Stops listening, drops every connection and kills every process started here. */
  close(): Promise<void>;
}

export async function startLocalSshServer(
  deps: { clock: Clock; logger: Logger },
  o: LocalSshServerOptions,
): Promise<LocalSshServer> {
  const ctx: ClientContext = {
    o,
    logger: deps.logger,
    clock: deps.clock,
    clientKey: parsePublicKey(o.clientPublicKey),
    pushed: [],
    processes: new ProcessSet(deps.logger),
    connections: new Set<Connection>(),
  };
  const server = new ssh2.Server({ hostKeys: [o.hostPrivateKey] }, (client) =>
    handleClient(ctx, client),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err: unknown) => {
    deps.logger.warn({ err: describeError(err) }, 'local ssh server error');
  });
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    authorize(username, publicKey, expiresAtMs) {
      const now = deps.clock.now();
      ctx.pushed = ctx.pushed.filter((k) => k.expiresAtMs > now);
      ctx.pushed.push({ username, key: parsePublicKey(publicKey), expiresAtMs });
    },
    processPids: () => ctx.processes.pids(),
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const c of ctx.connections) c.end();
        await ctx.processes.killAll(deps.clock);
        const id = o.env.SPOTRUNNER_INSTANCE_ID;
        await killInstanceProcesses(
          { dirs: [o.dir], instanceIds: id === undefined ? [] : [id] },
          deps.logger,
        );
        for (const c of ctx.connections) destroyConnection(c);
        await stopped;
      })()),
  };
}

interface PushedKey {
  username: string;
  key: ParsedKey;
  expiresAtMs: number;
}

interface ClientContext {
  o: LocalSshServerOptions;
  logger: Logger;
  clock: Clock;
  clientKey: ParsedKey;
  /** Keys accepted for a while (EC2 Instance Connect), besides the provider's own client key. */
  pushed: PushedKey[];
  processes: ProcessSet;
  connections: Set<Connection>;
}

function handleClient(ctx: ClientContext, client: Connection): void {
  const { o, logger } = ctx;
  ctx.connections.add(client);
  client.on('close', () => ctx.connections.delete(client));
  client.on('error', (err: unknown) => {
    logger.debug({ err: describeError(err) }, 'local ssh client error');
  });
  client.on('authentication', (auth) => {
    if (auth.method !== 'publickey') {
      auth.reject(['publickey']);
      return;
    }
    const key = acceptedKey(ctx, auth.username, auth.key);
    if (!key) auth.reject(['publickey']);
    else if (!auth.signature)
      auth.accept(); // key query: "would you accept this key?"
    else if (key.verify(auth.blob!, auth.signature, auth.hashAlgo) === true) auth.accept();
    else auth.reject(['publickey']);
  });
  client.on('ready', () => {
    client.on('session', (accept) => {
      const session = {
        dir: o.dir,
        shell: o.shell,
        env: o.env,
        ...(o.runAs ? { runAs: o.runAs } : {}),
        processes: ctx.processes,
        logger,
      };
      handleSession(session, accept());
    });
    client.on('openssh.streamlocal', (accept, reject, info) => {
      const target = o.socketRedirects?.[info.socketPath] ?? info.socketPath;
      forward(logger, net.connect({ path: target }), accept, reject);
    });
    client.on('tcpip', (accept, reject, info) => {
      forward(logger, net.connect({ host: info.destIP, port: info.destPort }), accept, reject);
    });
  });
}

/** The provider's client key for the instance user, or a pushed key that has not expired. */
function acceptedKey(
  ctx: ClientContext,
  username: string,
  offered: { algo: string; data: Buffer },
): ParsedKey | undefined {
  const matches = (k: ParsedKey): boolean =>
    offered.algo === k.type && offered.data.equals(k.getPublicSSH());
  if (username === ctx.o.username && matches(ctx.clientKey)) return ctx.clientKey;
  const now = ctx.clock.now();
  return ctx.pushed.find((p) => p.username === username && p.expiresAtMs > now && matches(p.key))
    ?.key;
}

function parsePublicKey(line: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(line);
  if (parsed instanceof Error) {
    throw new SpotrunnerError('internal', `invalid client public key: ${parsed.message}`);
  }
  return parsed;
}

/** Accepts the channel once the local socket connects, and pipes both ways. */
function forward(
  logger: Logger,
  socket: net.Socket,
  accept: () => ssh2.ServerChannel,
  reject: () => void,
): void {
  socket.once('error', (err: unknown) => {
    logger.debug({ err: describeError(err) }, 'local forward target refused');
    reject();
  });
  socket.once('connect', () => {
    socket.removeAllListeners('error');
    const channel = accept();
    socket.on('error', () => channel.destroy());
    channel.on('error', () => socket.destroy());
    channel.on('close', () => socket.destroy());
    socket.pipe(channel).pipe(socket);
  });
}

/** Drops a server-side connection that did not close politely. */
function destroyConnection(c: Connection): void {
  (c as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
}
