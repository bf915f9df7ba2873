import { describe, expect, it } from 'vitest';
import type { ExecOptions, ExecResult, InstanceConnection } from '../../connect/connection.js';
import { VirtualClock, settle } from '../../platform/clock.js';
import { SpotrunnerError } from '../../platform/errors.js';
import { MemoryLogger } from '../../platform/logger.js';
import { makeJob, makeScriptContext } from '../testing/job-fixture.js';
import { MemoryTrace } from '../testing/memory-trace.js';
import { runStage, type StageRunnerDeps } from './stage-runner.js';

type Behaviour = (options: ExecOptions) => Promise<ExecResult>;

/** A connection whose execs behave as the test says, in order; records stdin of each. */
function scriptedConnection(behaviours: Behaviour[]): InstanceConnection & { stdins: string[] } {
  const stdins: string[] = [];
  return {
    instanceId: 'fake-1',
    closed: false,
    stdins,
    exec(_command: string, options: ExecOptions = {}): Promise<ExecResult> {
      stdins.push(typeof options.stdin === 'string' ? options.stdin : '');
      const next = behaviours.shift();
      return next ? next(options) : Promise.resolve({ exitCode: 0 });
    },
    openUnixSocket: () => Promise.reject(new Error('unused')),
    openTcp: () => Promise.reject(new Error('unused')),
    close: () => Promise.resolve(),
  };
}

/** An exec that never ends by itself, only when its signal aborts. */
const hangs: Behaviour = (options) =>
  new Promise((resolve) => {
    options.signal?.addEventListener('abort', () => resolve({ exitCode: null, signal: 'TERM' }));
  });

function deps(connection: InstanceConnection, clock: VirtualClock): StageRunnerDeps {
  return {
    connection,
    trace: new MemoryTrace(),
    clock,
    logger: new MemoryLogger(),
    layout: makeScriptContext(makeJob()).layout,
    shellCommand: 'bash -s',
    killGraceMs: 10_000,
    settleMs: 5_000,
    processGroup: false,
  };
}

describe('runStage', () => {
  it('passes output to the trace and returns the exit code', async () => {
    const clock = new VirtualClock();
    const conn = scriptedConnection([
      (o) => {
        o.onStdout?.(Buffer.from('hello\n'));
        return Promise.resolve({ exitCode: 2 });
      },
    ]);
    const d = deps(conn, clock);
    const result = await runStage(d, 'echo hello', { jobDeadlineMs: clock.now() + 60_000 });
    expect(result).toEqual({ kind: 'exit', code: 2 });
    expect((d.trace as MemoryTrace).text).toBe('hello\n');
    expect(conn.stdins).toEqual(['echo hello']);
  });

  it('calls a channel that closes without a status, or a failed exec, a system failure', async () => {
    const clock = new VirtualClock();
    const conn = scriptedConnection([
      () => Promise.resolve({ exitCode: null }),
      () => Promise.reject(new SpotrunnerError('connect', 'socket hang up')),
    ]);
    const limits = { jobDeadlineMs: clock.now() + 60_000 };
    expect((await runStage(deps(conn, clock), 's', limits)).kind).toBe('system');
    expect(await runStage(deps(conn, clock), 's', limits)).toEqual({
      kind: 'system',
      message: 'socket hang up',
    });
  });

  it('gives up on a hung connection after the grace and settle periods', async () => {
    const clock = new VirtualClock();
    const conn = scriptedConnection([hangs, hangs]);
    let done = false;
    const running = runStage(deps(conn, clock), 'sleep', {
      jobDeadlineMs: clock.now() + 1_000,
    }).then((r) => {
      done = true;
      return r;
    });
    await clock.advance(1_000);
    expect(conn.stdins[1]).toContain('kill -TERM');
    expect(conn.stdins[1]).toContain('stage.pid');
    await clock.advance(14_000);
    expect(done).toBe(false);
    await clock.advance(1_000);
    await clock.advance(5_000);
    await settle();
    expect(done).toBe(true);
    expect(await running).toEqual({ kind: 'stopped', why: 'job_timeout' });
  });

  it('stops on cancel and on a stage deadline, and does not start when already aborted', async () => {
    const clock = new VirtualClock();
    const cancel = new AbortController();
    const conn = scriptedConnection([hangs, () => Promise.resolve({ exitCode: 0 }), hangs]);
    const canceled = runStage(deps(conn, clock), 's', {
      jobDeadlineMs: clock.now() + 60_000,
      cancelSignal: cancel.signal,
    });
    await settle();
    cancel.abort();
    await clock.advance(5_000);
    expect(await canceled).toEqual({ kind: 'stopped', why: 'cancel' });

    const staged = runStage(deps(conn, clock), 's', {
      jobDeadlineMs: clock.now() + 60_000,
      stageDeadlineMs: clock.now() + 2_000,
    });
    await clock.advance(2_000);
    await clock.advance(20_000);
    expect(await staged).toEqual({ kind: 'stopped', why: 'stage_timeout' });

    const abort = new AbortController();
    abort.abort();
    const before = conn.stdins.length;
    expect(
      await runStage(deps(conn, clock), 's', {
        jobDeadlineMs: clock.now() + 1,
        abortSignal: abort.signal,
      }),
    ).toEqual({
      kind: 'stopped',
      why: 'abort',
    });
    expect(conn.stdins.length).toBe(before);
  });
});
