/**
 * A dockerode client whose every HTTP request travels through the instance connection: the
 * `http.Agent` opens a stream to the Docker socket on the instance (OpenSSH streamlocal
 * forwarding, or a plain unix socket for a process connection) instead of a TCP socket. The
 * host name in URLs is `internal.tunnel.invalid`, as in gitlab-runner, and is never resolved.
 */
import { Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import type { InstanceConnection } from '../../connect/connection.js';
import { SpotrunnerError } from '../../platform/errors.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
export const TUNNEL_HOST = 'internal.tunnel.invalid';

/** An http.Agent that dials the instance's Docker socket through the connection. */
class TunnelAgent extends Agent {
  readonly #open: () => Promise<Duplex>;

  constructor(open: () => Promise<Duplex>, options: AgentOptions) {
    super(options);
    this.#open = open;
  }

  // Node calls createConnection(options, callback) and accepts a socket passed to the callback
  // later when the method returns nothing (http.Agent's asynchronous form).
  override createConnection(
    _options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    this.#open().then(
      (stream) => {
        addSocketShims(stream);
        callback?.(null, stream);
      },
      (err: unknown) =>
        callback?.(err instanceof Error ? err : new Error(String(err)), undefined as never),
    );
    return undefined;
  }
}

/**
 * ClientRequest calls a few net.Socket methods (setNoDelay, setKeepAlive, setTimeout, ref)
 * on whatever stream the agent hands it; an SSH channel has none of them.
 */
function addSocketShims(stream: Duplex): void {
  const target = stream as Duplex & Record<string, unknown>;
  for (const name of ['setNoDelay', 'setKeepAlive', 'ref', 'unref']) {
    if (typeof target[name] !== 'function') target[name] = (): Duplex => stream;
  }
  if (typeof target.setTimeout !== 'function') target.setTimeout = (): Duplex => stream;
}

export interface TunnelDockerOptions {
  /** Docker socket on the instance; default /var/run/docker.sock. */
  socketPath?: string;
}

/** `[runners.docker] host` as a socket path: `unix:///path` or `/path`; otherwise an error. */
export function dockerSocketPath(host: string | undefined): string {
  if (host === undefined || host === '') return DEFAULT_DOCKER_SOCKET;
  if (host.startsWith('unix://')) return host.slice('unix://'.length) || DEFAULT_DOCKER_SOCKET;
  if (host.startsWith('/')) return host;
  throw new SpotrunnerError(
    'executor',
    `[runners.docker] host "${host}" is not a unix socket; only unix:// hosts reached through the instance connection are supported`,
  );
}

/** A Docker client for the daemon on the instance behind `connection`. */
export function createTunnelDocker(
  connection: InstanceConnection,
  options: TunnelDockerOptions = {},
): Docker {
  const socketPath = options.socketPath ?? DEFAULT_DOCKER_SOCKET;
  const agent = new TunnelAgent(() => connection.openUnixSocket(socketPath), {
    keepAlive: true,
    maxFreeSockets: 4,
  });
  // Every connection-related option is given, so DOCKER_HOST & co. in the manager's
  // environment (which docker-modem reads for its defaults) cannot redirect the client.
  const dockerOptions: Docker.DockerOptions & { agent: Agent } = {
    host: TUNNEL_HOST,
    port: 80,
    protocol: 'http',
    agent,
    ca: undefined,
    cert: undefined,
    key: undefined,
    timeout: undefined,
  };
  return new Docker(dockerOptions);
}
