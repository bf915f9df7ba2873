/**
 * A live connection to one instance, reused across its jobs. Implemented over ssh2 (real sshd,
 * the local provider's embedded SSH server) — executors only see this port.
 */
import type { Duplex, Readable } from 'node:stream';

export interface ExecOptions {
  /** Sent to the command's stdin, then closed. */
  stdin?: string | Buffer | Readable;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Aborting sends the signal in `killSignal` (default KILL) and closes the channel. */
  signal?: AbortSignal;
  killSignal?: 'TERM' | 'KILL' | 'INT';
  /**
   * Run the command in its own process group on the instance, watched so that abort — or a lost
   * connection — stops it together with every child it started, even where sshd ignores the SSH
   * `signal` request (OpenSSH refuses it for root logins). Use it for job scripts. POSIX only
   * (needs `sh` and `setsid` on the instance). See `src/connect/kill-wrapper.ts`.
   */
  processGroup?: boolean;
}

export interface ExecResult {
  /** Exit status; null when the process died from a signal or the channel closed without one. */
  exitCode: number | null;
  signal?: string;
}

export interface InstanceConnection {
  readonly instanceId: string;
  /** Runs a command through the login shell of the remote user. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Opens a stream to a unix socket on the instance (the Docker socket). */
  openUnixSocket(path: string): Promise<Duplex>;
  /** Opens a TCP stream to host:port as seen from the instance. */
  openTcp(host: string, port: number): Promise<Duplex>;
  readonly closed: boolean;
  close(): Promise<void>;
}
