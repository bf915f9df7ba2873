import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import { watchSandboxInterrupt } from './sandbox-interrupt.js';

type Sig = 'SIGINT' | 'SIGTERM' | 'SIGQUIT';

function setup(): {
  clock: VirtualClock;
  lines: string[];
  send: (s: Sig) => void;
  handlers: () => number;
  interrupt: ReturnType<typeof watchSandboxInterrupt>;
} {
  const clock = new VirtualClock();
  const lines: string[] = [];
  const handlers = new Set<(s: Sig) => void>();
  const interrupt = watchSandboxInterrupt(
    {
      clock,
      out: (line) => lines.push(line),
      onSignal: (handler) => {
        handlers.add(handler);
        return () => handlers.delete(handler);
      },
    },
    { graceMs: 7_000 },
  );
  return {
    clock,
    lines,
    send: (s) => [...handlers].forEach((h) => h(s)),
    handlers: () => handlers.size,
    interrupt,
  };
}

describe('Ctrl-C in the sandbox', () => {
  it('asks to stop on the first signal and forces when the grace is over', async () => {
    const { clock, lines, send, interrupt } = setup();
    send('SIGINT');
    expect(interrupt.requested.aborted).toBe(true);
    expect(interrupt.forced.aborted).toBe(false);
    expect(interrupt.exitCode()).toBe(130);
    await clock.advance(6_999);
    expect(interrupt.forced.aborted).toBe(false);
    await clock.advance(1);
    expect(interrupt.forced.aborted).toBe(true);
    expect(lines.at(-1)).toBe('sandbox: jobs still canceling after 7s; stopping them now');
  });

  it('forces at once on a second signal and reports both times at the end', async () => {
    const { clock, lines, send, handlers, interrupt } = setup();
    send('SIGTERM');
    await clock.advance(1_500);
    send('SIGINT');
    expect(interrupt.forced.aborted).toBe(true);
    expect(interrupt.exitCode()).toBe(143);
    await clock.advance(400);
    interrupt.dispose();
    expect(handlers()).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(/^sandbox: SIGTERM: canceling running jobs/),
      'sandbox: second signal (SIGINT): stopping now',
      'sandbox: stopped 1.9s after SIGTERM, 0.4s after the second',
    ]);
    await clock.advance(10_000);
    expect(lines).toHaveLength(3); // the grace timer went with dispose
  });

  it('says nothing and sets no exit code without a signal', () => {
    const { lines, interrupt } = setup();
    interrupt.dispose();
    expect(interrupt.exitCode()).toBeUndefined();
    expect(lines).toEqual([]);
  });
});
