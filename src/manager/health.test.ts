import { describe, expect, it } from 'vitest';
import { assessHealth, DEFAULT_GITLAB_UNREACHABLE_MS } from './health.js';
import type { ManagerStatus, RunnerStatusView } from './manager.js';
import { managerStatus } from './testing/manager-status.js';

const NOW = 1_700_000_000_000;
const options = { gitlabUnreachableMs: 5 * 60_000 };

function withRunner(over: Partial<RunnerStatusView>, base = managerStatus([])): ManagerStatus {
  const runner = base.runners[0]!;
  return { ...base, runners: [{ ...runner, ...over }] };
}

function withLoop(over: Partial<NonNullable<RunnerStatusView['loop']>>): ManagerStatus {
  const base = managerStatus([]);
  return withRunner({ loop: { ...base.runners[0]!.loop!, ...over } }, base);
}

describe('manager health', () => {
  it('is ok when the manager runs and every runner loop runs and reaches GitLab', () => {
    expect(assessHealth(managerStatus([]), NOW, options)).toEqual({
      ok: true,
      state: 'running',
      reasons: [],
    });
    expect(DEFAULT_GITLAB_UNREACHABLE_MS).toBe(300_000);
  });

  it('is not ok while the manager starts, stops or has stopped', () => {
    const at = (state: ManagerStatus['state']) =>
      assessHealth({ ...managerStatus([]), state }, NOW, options);
    expect(at('idle')).toEqual({ ok: false, state: 'idle', reasons: ['manager is starting'] });
    expect(at('draining').reasons).toEqual(['manager is stopping']);
    expect(at('stopped').reasons).toEqual(['manager has stopped']);
    expect(at('failed').reasons).toEqual(['manager failed']);
  });

  it('is not ok while a runner starts, or when one could not start', () => {
    expect(assessHealth(withRunner({ state: 'starting' }), NOW, options).reasons).toEqual([
      'runner "spot" is starting',
    ]);
    const failed = withRunner({ state: 'failed', error: 'url and token are required' });
    expect(assessHealth(failed, NOW, options)).toMatchObject({
      ok: false,
      reasons: ['runner "spot" is not running: url and token are required'],
    });
  });

  it('is not ok when a runner loop is not running, or there is no runner', () => {
    expect(assessHealth(withLoop({ state: 'draining' }), NOW, options).reasons).toEqual([
      'runner "spot" loop is draining',
    ]);
    const none = { ...managerStatus([]), runners: [] };
    expect(assessHealth(none, NOW, options).reasons).toEqual(['no runner is configured']);
  });

  it('tolerates GitLab not answering for less than the limit, not for longer', () => {
    const since = (ms: number) =>
      withLoop({ gitlabUnreachableSinceMs: NOW - ms, lastError: 'connect ECONNREFUSED' });
    expect(assessHealth(since(4 * 60_000), NOW, options).ok).toBe(true);
    const down = assessHealth(since(6 * 60_000), NOW, options);
    expect(down.ok).toBe(false);
    expect(down.reasons).toEqual([
      'runner "spot": GitLab has not answered job requests for 6m0s, unreachable or refusing the token (last error: connect ECONNREFUSED)',
    ]);
  });

  it('is not ok when the state file cannot be written', () => {
    const status = {
      ...managerStatus([]),
      parts: [
        { name: 'state', state: 'running' as const, file: '/x/state.json', writeError: 'EROFS' },
      ],
    };
    expect(assessHealth(status, NOW, options).reasons).toEqual([
      'state file cannot be written: EROFS',
    ]);
  });

  it('lists every reason at once', () => {
    const base = managerStatus([]);
    const two: ManagerStatus = {
      ...base,
      runners: [
        { ...base.runners[0]!, state: 'starting' },
        { ...base.runners[0]!, name: 'other', state: 'failed', error: 'no cloud' },
      ],
    };
    expect(assessHealth(two, NOW, options).reasons).toEqual([
      'runner "spot" is starting',
      'runner "other" is not running: no cloud',
    ]);
  });
});
