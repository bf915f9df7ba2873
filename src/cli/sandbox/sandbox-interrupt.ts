/**
 * Ctrl-C for `spotrunner sandbox`: the first SIGINT/SIGTERM/SIGQUIT asks to stop (running jobs
 * are canceled as in GitLab, so their after_script runs); a second signal, or canceling that
 * takes longer than `graceMs`, forces the stop (jobs are cut off, instances removed). Prints
 * each step and, at the end, how long the stop took.
 */
import type { CliContext } from '../cli-context.js';
import type { Clock } from '../../platform/clock.js';

type Sig = 'SIGINT' | 'SIGTERM' | 'SIGQUIT';

const EXIT_CODES: Record<Sig, number> = { SIGINT: 130, SIGQUIT: 131, SIGTERM: 143 };

export interface SandboxInterruptDeps {
  clock: Clock;
  onSignal: CliContext['onSignal'];
  out: (line: string) => void;
}

export interface SandboxInterrupt {
  /** Aborted by the first signal: cancel what runs, skip every wait, stop. */
  readonly requested: AbortSignal;
  /** Aborted by a second signal or when the grace is over: stop now. */
  readonly forced: AbortSignal;
  /** 128 + the first signal's number once there was one (as a shell reports it). */
  exitCode(): number | undefined;
  /** Removes the signal handlers and prints how long the stop took. */
  dispose(): void;
}

/** Calls `fn` once the signal is aborted (at once if it already is). */
export function whenAborted(signal: AbortSignal, fn: () => void): void {
  if (signal.aborted) fn();
  else signal.addEventListener('abort', fn, { once: true });
}

export function watchSandboxInterrupt(
  deps: SandboxInterruptDeps,
  options: { graceMs: number },
): SandboxInterrupt {
  const requested = new AbortController();
  const forced = new AbortController();
  let first: { signal: Sig; atMs: number } | undefined;
  let secondAtMs: number | undefined;
  let cancelGrace = (): void => undefined;
  const graceS = Math.round(options.graceMs / 1000);

  const remove = deps.onSignal((signal) => {
    if (!first) {
      first = { signal, atMs: deps.clock.now() };
      deps.out(
        `sandbox: ${signal}: canceling running jobs (their after_script runs), then stopping within ${graceS}s; a second signal stops at once`,
      );
      cancelGrace = deps.clock.schedule(options.graceMs, () => {
        if (forced.signal.aborted) return;
        deps.out(`sandbox: jobs still canceling after ${graceS}s; stopping them now`);
        forced.abort(new Error('grace over'));
      });
      requested.abort(new Error(signal));
      return;
    }
    if (secondAtMs !== undefined) return;
    secondAtMs = deps.clock.now();
    cancelGrace();
    deps.out(`sandbox: second signal (${signal}): stopping now`);
    forced.abort(new Error(signal));
  });

  return {
    requested: requested.signal,
    forced: forced.signal,
    exitCode: () => (first ? EXIT_CODES[first.signal] : undefined),
    dispose(): void {
      remove();
      cancelGrace();
      if (!first) return;
      const now = deps.clock.now();
      const since = (ms: number): string => `${((now - ms) / 1000).toFixed(1)}s`;
      const second = secondAtMs === undefined ? '' : `, ${since(secondAtMs)} after the second`;
      deps.out(`sandbox: stopped ${since(first.atMs)} after ${first.signal}${second}`);
    },
  };
}
