/** Fault injection for tests and demos: make endpoints answer with chosen failures. */

export const FAULT_ENDPOINTS = [
  'jobs/request',
  'jobs/update',
  'jobs/trace',
  'artifacts/upload',
  'artifacts/download',
  'runners/verify',
] as const;
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];

export interface FaultSpec {
  /** HTTP status to answer with (e.g. 409, 429, 500, 503). */
  status: number;
  /** How many requests get it; default 1. */
  times?: number;
  /** Adds `Retry-After: <seconds>`. */
  retryAfterS?: number;
}

export interface ActiveFault {
  status: number;
  retryAfterS?: number;
}

export interface FaultSwitches {
  /** The next `times` requests to the endpoint answer `status`. */
  inject(endpoint: FaultEndpoint, fault: FaultSpec): void;
  /** "Trace is persisting": the next `times` final updates with a checksum get 202 + interval. */
  tracePersisting(times: number, intervalS?: number): void;
  /**
   * As GitLab with live trace: after a job's first final update with a checksum, its trace
   * chunks take `delayMs` to persist, and every final update with a checksum until then is
   * answered 202 with Rails' backoff interval (1, 2, 4 … 64 s by the age of the pending state;
   * never past Rails' 5-min accept timeout). 0 turns it off (the default).
   */
  traceProcessing(delayMs: number): void;
  /**
   * The next `times` jobs handed out get a payload a runner cannot read (`steps` is not a
   * list); the job itself is assigned as usual, so the runner has to fail it.
   */
  malformedPayload(times: number): void;
  /** Removes every injected fault. */
  clear(): void;
}

export class FaultState implements FaultSwitches {
  readonly #faults = new Map<FaultEndpoint, { spec: FaultSpec; left: number }>();
  #persisting = { left: 0, intervalS: 1 };
  #processingMs = 0;
  #malformed = 0;

  inject(endpoint: FaultEndpoint, fault: FaultSpec): void {
    this.#faults.set(endpoint, { spec: fault, left: fault.times ?? 1 });
  }

  tracePersisting(times: number, intervalS = 1): void {
    this.#persisting = { left: times, intervalS };
  }

  traceProcessing(delayMs: number): void {
    this.#processingMs = Math.max(0, delayMs);
  }

  /** How long traces take to persist after the first final update (0: at once). */
  get traceProcessingMs(): number {
    return this.#processingMs;
  }

  malformedPayload(times: number): void {
    this.#malformed = times;
  }

  clear(): void {
    this.#faults.clear();
    this.#persisting = { left: 0, intervalS: 1 };
    this.#processingMs = 0;
    this.#malformed = 0;
  }

  /** Consumes one injected fault for the endpoint, if any. */
  take(endpoint: FaultEndpoint): ActiveFault | undefined {
    const fault = this.#faults.get(endpoint);
    if (!fault || fault.left <= 0) return undefined;
    fault.left -= 1;
    if (fault.left <= 0) this.#faults.delete(endpoint);
    return {
      status: fault.spec.status,
      ...(fault.spec.retryAfterS !== undefined ? { retryAfterS: fault.spec.retryAfterS } : {}),
    };
  }

  /** Consumes one "trace is persisting" reply; returns its interval. */
  takePersisting(): number | undefined {
    if (this.#persisting.left <= 0) return undefined;
    this.#persisting.left -= 1;
    return this.#persisting.intervalS;
  }

  /** Consumes one "malformed payload"; true when this job's payload must be broken. */
  takeMalformed(): boolean {
    if (this.#malformed <= 0) return false;
    this.#malformed -= 1;
    return true;
  }
}
