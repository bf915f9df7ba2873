import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './load-config.js';
import { SEED_004_ENV } from './testdata/seed-env.js';

const example = (name: string): string =>
  readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

describe('examples/', () => {
  it('seed-002.toml loads with its token from the environment and no warnings', () => {
    const { config, warnings } = parseConfig(example('seed-002.toml'), 'seed-002.toml', {
      GITLAB_RUNNER_TOKEN: 'glrt-example',
    });
    expect(warnings).toEqual([]);
    const runner = config.runners[0]!;
    expect(runner.token).toBe('glrt-example');
    expect(runner.autoscaler).toMatchObject({
      providerKind: 'aws',
      pluginConfig: { name: 'my-asg', region: 'us-east-1' },
      maxInstances: 10,
    });
    expect(config.concurrent).toBe(
      runner.autoscaler!.maxInstances * runner.autoscaler!.capacityPerInstance,
    );
    expect(runner.spotrunner.instanceType).toBe('t4g.medium');
  });

  it('seed-004.toml is the seed file verbatim and loads with its placeholders set', () => {
    expect(example('seed-004.toml')).toBe(
      readFileSync(new URL('./testdata/seed-004.toml', import.meta.url), 'utf8'),
    );
    const { config } = parseConfig(example('seed-004.toml'), 'seed-004.toml', SEED_004_ENV);
    expect(config.runners.map((r) => r.executor)).toEqual(['instance', 'docker-autoscaler']);
  });
});
