/**
 * Phase boundaries of a Docker job, reported to an optional listener (the overhead benchmark
 * breaks the time to the first script line down with them). Phases may overlap: images,
 * network and volumes are concurrent, so are helper, services and the first build container.
 */
import type { StageTarget } from './stage-targets.js';

export type DockerPhase =
  | 'prepare'
  | 'images'
  | 'network'
  | 'volumes'
  | 'helper'
  | 'services'
  | 'build_container'
  | 'first_output'
  | 'cleanup'
  | `stage:${string}`;

export type PhaseListener = (phase: string, edge: 'start' | 'end') => void;

/** Wraps a target so the listener hears `first_output` end when the first byte arrives. */
export function watchFirstOutput(target: StageTarget, listener?: PhaseListener): StageTarget {
  if (!listener) return target;
  let seen = false;
  return {
    run: (text, onOutput) =>
      target.run(text, (chunk) => {
        if (!seen) {
          seen = true;
          listener('first_output', 'end');
        }
        onOutput(chunk);
      }),
    stop: (killScript) => target.stop(killScript),
    abort: (killNowScript) => target.abort(killNowScript),
  };
}

/** Runs `work` between a start and an end report. */
export async function timed<T>(
  listener: PhaseListener | undefined,
  phase: DockerPhase,
  work: () => Promise<T>,
): Promise<T> {
  listener?.(phase, 'start');
  try {
    return await work();
  } finally {
    listener?.(phase, 'end');
  }
}
