import { describe, expect, it } from 'vitest';
import { parseConfig } from './load-config.js';

const runner = (executor: string, autoscaler: string): string => `concurrent = 6
[[runners]]
name = "r"
url = "https://gitlab.example.com"
token = "glrt-abc"
executor = "${executor}"
${autoscaler}`;

const AWS =
  '[runners.autoscaler]\nplugin = "aws"\nmax_instances = 4\ncapacity_per_instance = 2\n[runners.autoscaler.plugin_config]\nname = "asg"\n';

describe('CompiledRunner.fleet: the engine options, decided once by the config', () => {
  it("gives a runner without policies gitlab-runner's catch-all default policy", () => {
    const { config } = parseConfig(runner('instance', AWS), 'config.toml', {});
    const r = config.runners[0]!;
    expect(r.autoscaler!.policies).toEqual([]); // as written
    expect(r.fleet).toMatchObject({
      capacityPerInstance: 2,
      maxInstances: 4,
      instanceAcquireTimeoutMs: 15 * 60_000,
      updateIntervalMs: 60_000,
      instanceStartTimeoutMs: 20 * 60_000,
      readyUpBackoffBaseMs: 5_000,
      policies: [
        {
          periods: ['* * * * *'],
          idleCount: 0,
          idleTimeMs: 5 * 60_000,
          scaleFactor: 0,
          scaleFactorLimit: 0,
          preemptiveMode: false,
        },
      ],
    });
  });

  it('passes the policies as written, and instance_start_timeout from [runners.spotrunner]', () => {
    const text = runner(
      'instance',
      `${AWS}[[runners.autoscaler.policy]]\nidle_count = 3\nidle_time = "20m"\n` +
        '[runners.spotrunner]\ninstance_start_timeout = "7m"\n',
    );
    const r = parseConfig(text, 'config.toml', {}).config.runners[0]!;
    expect(r.fleet.policies).toBe(r.autoscaler!.policies);
    expect(r.fleet.instanceStartTimeoutMs).toBe(7 * 60_000);
  });

  it('makes the manager itself one always-kept instance for shell, with limit (else concurrent) slots', () => {
    const shell = parseConfig(runner('shell', ''), 'config.toml', {}).config.runners[0]!;
    expect(shell.fleet).toMatchObject({
      capacityPerInstance: 6,
      maxInstances: 1,
      policies: [{ idleCount: 1, idleTimeMs: 60 * 60_000, preemptiveMode: false }],
    });
    const limited = parseConfig(runner('shell', 'limit = 2'), 'config.toml', {}).config.runners[0]!;
    expect(limited.fleet.capacityPerInstance).toBe(2);
  });
});
