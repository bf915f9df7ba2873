import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { createHostKeyStore } from '../connect/index.js';
import { SystemClock } from '../platform/clock.js';
import { MemoryLogger } from '../platform/logger.js';
import { createManager, type Manager } from '../manager/manager.js';
import { createPart, type ManagerPart } from '../manager/parts.js';
import { buildRunnerStack } from './build-runner.js';

let manager: Manager | undefined;
let dir: string | undefined;
afterEach(async () => {
  await manager?.stop({ graceMs: 0 });
  if (dir) await rm(dir, { recursive: true, force: true });
});

function configWith(
  idleCount: number,
  instancesDir: string,
): ReturnType<typeof parseConfig>['config'] {
  return parseConfig(
    `concurrent = 2
[[runners]]
  name = "local"
  url = "http://127.0.0.1:9"
  token = "glrt-unreachable-000000000"
  executor = "instance"
  [runners.autoscaler]
    plugin = "local"
    max_instances = 2
    update_interval_when_expecting = "1s"
    [runners.autoscaler.plugin_config]
      dir = "${instancesDir}"
    [[runners.autoscaler.policy]]
      idle_count = ${idleCount}
      idle_time = "10m"
`,
    join(instancesDir, 'config.toml'),
    {},
  ).config;
}

describe('manager', () => {
  it('re-applies policies on config reload without restarting the runner', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-manager-'));
    const logger = new MemoryLogger();
    manager = createManager(
      {
        clock: new SystemClock(),
        logger,
        hostKeys: await createHostKeyStore({ logger }),
        buildStack: buildRunnerStack,
      },
      { config: configWith(0, dir), systemId: 's_0123456789ab', version: 'test' },
    );
    await manager.start();
    const fleet = () => manager!.status().runners[0]!.fleet!;
    expect(manager.status().runners[0]!.state).toBe('running');
    expect(fleet().idleTarget).toBe(0);
    const stack = manager.stacks()[0];
    manager.reload(configWith(1, dir));
    expect(manager.stacks()[0]).toBe(stack);
    expect(fleet().idleTarget).toBe(1);
    expect(logger.messages('info')).toContain('policies reloaded');
  });

  it('keeps other runners going when one cannot start, and says why', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-manager-'));
    const logger = new MemoryLogger();
    const config = parseConfig(
      `concurrent = 1
[[runners]]
  name = "no-token"
  url = "http://127.0.0.1:9"
  executor = "shell"
`,
      join(dir, 'config.toml'),
      {},
    ).config;
    manager = createManager(
      {
        clock: new SystemClock(),
        logger,
        hostKeys: await createHostKeyStore({ logger }),
        buildStack: buildRunnerStack,
      },
      { config, systemId: 's_0123456789ab', version: 'test' },
    );
    await manager.start();
    const failed = manager.status().runners[0]!;
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain('url and token are required');
  });

  it('starts its parts after the runners and stops them in one place, around the drain', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-manager-'));
    const logger = new MemoryLogger();
    const events: string[] = [];
    const runnerState = (m: Manager): string => m.status().runners[0]?.state ?? 'none';
    const part = (m: Manager, name: string, outlivesRunners: boolean): ManagerPart =>
      createPart(
        name,
        {
          start: () => {
            events.push(`start ${name} (runner ${runnerState(m)})`);
            if (name === 'broken') throw new Error('no port');
          },
          stop: ({ graceMs }) => {
            events.push(`stop ${name} grace ${graceMs} (runner ${runnerState(m)})`);
          },
          status: () => ({ detail: name.length }),
        },
        { outlivesRunners },
      );
    manager = createManager(
      {
        clock: new SystemClock(),
        logger,
        hostKeys: await createHostKeyStore({ logger }),
        buildStack: buildRunnerStack,
        parts: (m) => [
          part(m, 'server', true),
          part(m, 'broken', false),
          part(m, 'loop-a', false),
          part(m, 'loop-b', false),
        ],
      },
      { config: configWith(0, dir), systemId: 's_0123456789ab', version: 'test' },
    );
    await manager.start();
    expect(manager.state).toBe('running');
    expect(logger.messages('error')).toContain('part failed to start');
    expect(manager.status().parts).toEqual([
      { name: 'server', state: 'running', detail: 6 },
      { name: 'broken', state: 'failed', detail: 6 },
      { name: 'loop-a', state: 'running', detail: 6 },
      { name: 'loop-b', state: 'running', detail: 6 },
    ]);
    await Promise.all([manager.stop({ graceMs: 7 }), manager.stop({ graceMs: 0 })]);
    expect(events).toEqual([
      'start server (runner running)',
      'start broken (runner running)',
      'start loop-a (runner running)',
      'start loop-b (runner running)',
      'stop loop-b grace 7 (runner running)',
      'stop loop-a grace 7 (runner running)',
      'stop server grace 7 (runner stopped)',
    ]);
    expect(manager.status().parts.map((p) => p.state)).toEqual([
      'stopped',
      'failed',
      'stopped',
      'stopped',
    ]);
  });

  it('starts a part marked startsBeforeRunners (the status server) while the runners start', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-manager-'));
    const logger = new MemoryLogger();
    const seen: string[] = [];
    const part = (m: Manager, name: string, startsBeforeRunners: boolean): ManagerPart =>
      createPart(
        name,
        {
          start: () => {
            seen.push(
              `${name}: ${m
                .status()
                .runners.map((r) => r.state)
                .join(',')}`,
            );
          },
          stop: () => undefined,
          status: () => ({}),
        },
        { outlivesRunners: true, startsBeforeRunners },
      );
    manager = createManager(
      {
        clock: new SystemClock(),
        logger,
        hostKeys: await createHostKeyStore({ logger }),
        buildStack: buildRunnerStack,
        parts: (m) => [part(m, 'server', true), part(m, 'other', false)],
      },
      { config: configWith(0, dir), systemId: 's_0123456789ab', version: 'test' },
    );
    await manager.start();
    expect(seen).toEqual(['server: starting', 'other: running']);
  });
});
