/**
 * One SDK middleware that counts every call an AWS client makes into an ApiCallCounts store:
 * the call, the SDK's attempts (`$metadata.attempts`, so retries), and the error code of a call
 * that failed after its retries. It sits at the initialize step, outside the SDK's retry loop,
 * so it sees each `send()` once. The app adds it to every client the manager builds.
 */
import type { ApiCall, ApiCallCounts } from '../../platform/api-call-counts.js';

interface CallContext {
  clientName?: string;
  commandName?: string;
}

type Handler<I, O> = (args: { input: I }) => Promise<{ output: O }>;
type Middleware<I, O> = (next: Handler<I, O>, context: CallContext) => Handler<I, O>;

/** The part of an SDK v3 client this needs (every `@aws-sdk/client-*` client has it). */
export interface MiddlewareClient<I extends object, O extends object> {
  middlewareStack: {
    add(
      middleware: Middleware<I, O>,
      options: { step: 'initialize'; name: string; override: boolean },
    ): void;
  };
}

const MIDDLEWARE_NAME = 'spotrunnerApiCallCounter';
/** Node's socket errors and the SDK's own timeout: the call never got an AWS answer. */
const TRANSPORT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function record(err: unknown): Record<string, unknown> {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : {};
}

function attemptsOf(value: unknown): number {
  const meta = record(record(value)['$metadata']);
  const n = meta['attempts'];
  return typeof n === 'number' && n >= 1 ? n : 1;
}

/** A short label: AWS's error code for service errors, `NetworkingError` for transport ones. */
export function apiErrorCode(err: unknown): string {
  const e = record(err);
  const meta = record(e['$metadata']);
  const answered = typeof meta['httpStatusCode'] === 'number' || e['$fault'] !== undefined;
  const name = typeof e['name'] === 'string' ? e['name'] : '';
  const code = typeof e['code'] === 'string' ? e['code'] : '';
  if (!answered && (name === 'TimeoutError' || TRANSPORT_CODES.has(code) || hasTransportCause(e)))
    return 'NetworkingError';
  const label = (typeof e['Code'] === 'string' ? e['Code'] : name) || 'UnknownError';
  // Bounded: an error code is a short identifier; anything else is not a label value.
  return /^[A-Za-z][\w.]{0,79}$/.test(label) ? label : 'UnknownError';
}

function hasTransportCause(e: Record<string, unknown>, depth = 0): boolean {
  const cause = record(e['cause']);
  if (depth > 5 || Object.keys(cause).length === 0) return false;
  const code = cause['code'];
  return (
    (typeof code === 'string' && TRANSPORT_CODES.has(code)) || hasTransportCause(cause, depth + 1)
  );
}

function labelsOf(context: CallContext): Pick<ApiCall, 'service' | 'operation'> {
  return {
    service: (context.clientName ?? 'Unknown').replace(/Client$/, ''),
    operation: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
  };
}

/** Adds the counter to `client` (once: a second call replaces the first). Returns the client. */
export function countApiCalls<I extends object, O extends object, C extends MiddlewareClient<I, O>>(
  client: C & MiddlewareClient<I, O>,
  counts: ApiCallCounts,
): C {
  const middleware: Middleware<I, O> = (next, context) => async (args) => {
    const labels = labelsOf(context);
    try {
      const result = await next(args);
      counts.record({ ...labels, attempts: attemptsOf(result.output) });
      return result;
    } catch (err: unknown) {
      counts.record({ ...labels, attempts: attemptsOf(err), errorCode: apiErrorCode(err) });
      throw err;
    }
  };
  client.middlewareStack.add(middleware, {
    step: 'initialize',
    name: MIDDLEWARE_NAME,
    override: true,
  });
  return client;
}
