import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { VirtualClock } from '../platform/clock.js';
import { createApiCallCounts } from '../platform/api-call-counts.js';
import { createHistory } from './history/history-part.js';
import type { Manager, ManagerStatus } from './manager.js';
import { fleetInstance, managerStatus } from './testing/manager-status.js';
import { parseListenAddress, startStatusServer, type StatusServer } from './status-server.js';

const status: ManagerStatus = managerStatus(
  [
    fleetInstance({ id: 'i-1', useCount: 1, slotsInUse: 1, capacity: 2, jobIds: [42] }),
    fleetInstance({ id: 'i-2', status: 'creating', providerState: 'creating', capacity: 2 }),
  ],
  {
    idleTarget: 1,
    counters: { instancesRequested: 3, startTimeouts: 1, instancesLost: 0 },
  },
);

function fakeManager(drained: string[]): Manager {
  return {
    state: 'running',
    status: () => status,
    drain: (id: string) => {
      if (id !== 'i-1') return false;
      drained.push(id);
      return true;
    },
  } as unknown as Manager;
}

let server: StatusServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('status server', () => {
  it('parses listen addresses as gitlab-runner writes them', () => {
    expect(parseListenAddress(':9252')).toEqual({ host: '0.0.0.0', port: 9252 });
    expect(parseListenAddress('127.0.0.1:9252')).toEqual({ host: '127.0.0.1', port: 9252 });
    expect(parseListenAddress('[::1]:9252')).toEqual({ host: '::1', port: 9252 });
    expect(() => parseListenAddress('9252')).toThrow(/not host:port/);
  });

  it('exports instances, slots and fleet event totals as Prometheus metrics', async () => {
    server = await startStatusServer({ logger: silentLogger }, fakeManager([]), '127.0.0.1:0');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('spotrunner_jobs_running 1');
    expect(text).toContain('spotrunner_instances{runner="spot",status="ready"} 1');
    expect(text).toContain('spotrunner_instances{runner="spot",status="creating"} 1');
    expect(text).toContain('spotrunner_slots{runner="spot",kind="acquired"} 1');
    expect(text).toContain('spotrunner_fleet_events_total{runner="spot",event="startTimeouts"} 1');
    expect(text).toContain(
      'spotrunner_fleet_events_total{runner="spot",event="instancesRequested"} 3',
    );
  });

  it('exports gitlab-runner job histograms and spotrunner wait, boot and interruptions', async () => {
    const clock = new VirtualClock();
    const written: object[] = [];
    const history = createHistory(
      { clock, logger: silentLogger },
      { dir: '(memory)', append: (r) => written.push(r) },
    );
    server = await startStatusServer({ logger: silentLogger }, fakeManager([]), '127.0.0.1:0', {
      history,
      systemId: 's_abc',
    });
    const t = clock.now();
    const job = {
      kind: 'job' as const,
      jobId: 7,
      runner: 'spot',
      name: 'build',
      project: 'g/app',
      tags: [],
    };
    history.recorder.jobFinished({
      ...job,
      receivedAtMs: t,
      finishedAtMs: t + 200_000,
      pickupMs: 45_000,
      instanceWaitMs: 40_000,
      runs: [],
      reruns: 1,
      interruptions: 1,
      result: 'success',
    });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(written).toHaveLength(1);
    expect(text).toContain('gitlab_runner_jobs{runner="spot",system_id="s_abc"} 0');
    expect(text).toContain(
      'gitlab_runner_job_queue_duration_seconds_bucket{le="30",runner="spot"} 0',
    );
    expect(text).toContain(
      'gitlab_runner_job_queue_duration_seconds_bucket{le="60",runner="spot"} 1',
    );
    expect(text).toContain('gitlab_runner_job_duration_seconds_bucket{le="60",runner="spot"} 0');
    expect(text).toContain('gitlab_runner_job_duration_seconds_bucket{le="300",runner="spot"} 1');
    expect(text).toContain('gitlab_runner_job_duration_seconds_sum{runner="spot"} 200');
    expect(text).toContain('spotrunner_job_instance_wait_seconds_sum{runner="spot"} 40');
    expect(text).toContain('spotrunner_interruptions_total{runner="spot",what="job"} 1');
  });

  it('exports AWS API calls, retries and errors from the counter store', async () => {
    const apiCalls = createApiCallCounts();
    server = await startStatusServer({ logger: silentLogger }, fakeManager([]), '127.0.0.1:0', {
      apiCalls,
    });
    apiCalls.record({ service: 'EC2', operation: 'DescribeInstances', attempts: 1 });
    apiCalls.record({
      service: 'EC2',
      operation: 'DescribeInstances',
      attempts: 3,
      errorCode: 'RequestLimitExceeded',
    });
    apiCalls.record({ service: 'AutoScaling', operation: 'SetDesiredCapacity', attempts: 2 });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('# TYPE spotrunner_aws_api_requests_total counter');
    expect(text).toContain(
      'spotrunner_aws_api_requests_total{service="EC2",operation="DescribeInstances"} 2',
    );
    expect(text).toContain(
      'spotrunner_aws_api_requests_total{service="AutoScaling",operation="SetDesiredCapacity"} 1',
    );
    expect(text).toContain(
      'spotrunner_aws_api_retries_total{service="EC2",operation="DescribeInstances"} 2',
    );
    expect(text).toContain(
      'spotrunner_aws_api_retries_total{service="AutoScaling",operation="SetDesiredCapacity"} 1',
    );
    expect(text).toContain(
      'spotrunner_aws_api_errors_total{service="EC2",operation="DescribeInstances",code="RequestLimitExceeded"} 1',
    );
    apiCalls.record({ service: 'EC2', operation: 'DescribeInstances', attempts: 1 });
    const again = await (await fetch(`${server.url}/metrics`)).text();
    expect(again).toContain(
      'spotrunner_aws_api_requests_total{service="EC2",operation="DescribeInstances"} 3',
    );
  });

  it('serves health and status, and drains from loopback', async () => {
    const drained: string[] = [];
    server = await startStatusServer({ logger: silentLogger }, fakeManager(drained), '127.0.0.1:0');
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({
      ok: true,
      state: 'running',
    });
    const body = (await (await fetch(`${server.url}/status`)).json()) as ManagerStatus;
    expect(body.runners[0]?.fleet?.instances.map((i) => i.id)).toEqual(['i-1', 'i-2']);
    const ok = await fetch(`${server.url}/fleet/drain/i-1`, { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(drained).toEqual(['i-1']);
    const missing = await fetch(`${server.url}/fleet/drain/i-9`, { method: 'POST' });
    expect(missing.status).toBe(404);
  });

  it('answers /health 503 with the reasons when not healthy, and /livez 200 all along', async () => {
    const clock = new VirtualClock();
    let current: ManagerStatus = status;
    const manager = {
      get state() {
        return current.state;
      },
      status: () => current,
    } as unknown as Manager;
    server = await startStatusServer({ logger: silentLogger, clock }, manager, '127.0.0.1:0', {
      gitlabUnreachableMs: 60_000,
    });
    const get = async (path: string): Promise<{ code: number; body: unknown }> => {
      const res = await fetch(`${server!.url}${path}`);
      return { code: res.status, body: await res.json() };
    };
    expect(await get('/health')).toEqual({ code: 200, body: { ok: true, state: 'running' } });

    const runner = status.runners[0]!;
    const unreachable = { ...runner.loop!, gitlabUnreachableSinceMs: clock.now() };
    current = { ...status, runners: [{ ...runner, loop: unreachable }] };
    await clock.advance(59_000);
    expect((await get('/health')).code).toBe(200);
    await clock.advance(2_000);
    expect(await get('/health')).toEqual({
      code: 503,
      body: {
        ok: false,
        state: 'running',
        reason:
          'runner "spot": GitLab has not answered job requests for 1m1s, unreachable or refusing the token',
        reasons: [
          'runner "spot": GitLab has not answered job requests for 1m1s, unreachable or refusing the token',
        ],
      },
    });

    current = { ...status, state: 'draining' };
    expect(await get('/health')).toEqual({
      code: 503,
      body: {
        ok: false,
        state: 'draining',
        reason: 'manager is stopping',
        reasons: ['manager is stopping'],
      },
    });
    expect(await get('/livez')).toEqual({ code: 200, body: { alive: true, state: 'draining' } });
  });
});
