/**
 * Counts of cloud API calls since start, by service and operation: calls, retries (attempts
 * beyond the first) and errors by code. The AWS clients' middleware writes them
 * (providers/aws/api-call-counter.ts); the manager's /metrics reads them. One store per
 * manager, made in app/ and handed to both.
 */

export interface ApiCall {
  /** The SDK client's service, e.g. `EC2`, `AutoScaling`. */
  service: string;
  /** The operation, e.g. `DescribeInstances`. */
  operation: string;
  /** Attempts the SDK made (1 when not retried). */
  attempts: number;
  /** Set when the call failed: the AWS error code, or `NetworkingError` for transport errors. */
  errorCode?: string;
}

export interface ApiCallTally {
  service: string;
  operation: string;
  requests: number;
  retries: number;
  /** error code → failed calls. */
  errors: Readonly<Record<string, number>>;
}

export interface ApiCallCounts {
  record(call: ApiCall): void;
  tallies(): ApiCallTally[];
}

interface MutableTally {
  service: string;
  operation: string;
  requests: number;
  retries: number;
  errors: Record<string, number>;
}

export function createApiCallCounts(): ApiCallCounts {
  const byKey = new Map<string, MutableTally>();
  return {
    record(call) {
      const key = `${call.service}\u0000${call.operation}`;
      let t = byKey.get(key);
      if (!t) {
        t = {
          service: call.service,
          operation: call.operation,
          requests: 0,
          retries: 0,
          errors: {},
        };
        byKey.set(key, t);
      }
      t.requests += 1;
      t.retries += Math.max(0, Math.floor(call.attempts) - 1);
      if (call.errorCode !== undefined)
        t.errors[call.errorCode] = (t.errors[call.errorCode] ?? 0) + 1;
    },
    tallies: () => [...byKey.values()].map((t) => ({ ...t, errors: { ...t.errors } })),
  };
}
