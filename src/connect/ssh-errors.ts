/** Translation of ssh2 / socket errors into SpotrunnerError at the connect boundary. */
import { SpotrunnerError, describeError } from '../platform/errors.js';

const RETRYABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'EAI_AGAIN',
]);

interface Ssh2ErrorShape {
  level?: string;
  code?: string;
}

/**
 * Maps an error raised while dialing. Socket errors (refused, reset, unreachable, timed out) are
 * retryable: a cloud lists an instance as running 10–40 s before its sshd answers. Refused
 * authentication is retryable too: EC2 Instance Connect keys reach the instance asynchronously
 * after the push (and expire after 60 s), and images that install authorized_keys from user
 * data do so after sshd has started; a retry fetches fresh credentials. Readiness bounds the
 * attempts by instance_start_timeout. A host key mismatch (dial-ssh.ts), DNS failures and
 * malformed keys are not retryable.
 */
export function translateDialError(err: unknown, where: string): SpotrunnerError {
  if (err instanceof SpotrunnerError) return err;
  const shape = (typeof err === 'object' && err !== null ? err : {}) as Ssh2ErrorShape;
  const reason = describeError(err);
  if (shape.level === 'client-authentication') {
    return new SpotrunnerError('connect', `ssh authentication failed for ${where}: ${reason}`, {
      retryable: true,
      cause: err,
    });
  }
  if (shape.level === 'client-timeout') {
    return new SpotrunnerError('timeout', `ssh handshake with ${where} timed out`, {
      retryable: true,
      cause: err,
    });
  }
  if (shape.code === 'ENOTFOUND') {
    return new SpotrunnerError('connect', `cannot resolve ${where}: ${reason}`, { cause: err });
  }
  const retryable =
    shape.level === 'client-socket' ||
    shape.level === 'protocol' ||
    shape.level === 'handshake' ||
    (shape.code !== undefined && RETRYABLE_SOCKET_CODES.has(shape.code));
  return new SpotrunnerError('connect', `ssh connection to ${where} failed: ${reason}`, {
    retryable,
    cause: err,
  });
}

/** Maps a failure to open a channel (exec, unix socket, TCP) on a live connection. */
export function translateChannelError(err: unknown, what: string, where: string): SpotrunnerError {
  if (err instanceof SpotrunnerError) return err;
  const reason = describeError(err);
  const lost = /not connected|no response|closed/i.test(reason);
  return new SpotrunnerError(
    'connect',
    `${lost ? 'connection lost' : 'refused'}: cannot open ${what} on ${where}: ${reason}`,
    { retryable: true, cause: err },
  );
}
