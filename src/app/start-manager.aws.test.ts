import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/index.js';
import { SystemClock } from '../platform/clock.js';
import { MemoryLogger } from '../platform/logger.js';
import { startAwsDouble, type AwsDouble } from '../../test/support/aws/aws-double.js';
import { writeAwsProfile, type TestAwsProfile } from '../../test/support/aws/aws-profile.js';
import { createIdBacking } from '../../test/support/aws/id-backing.js';
import { lookupInstancePrice } from '../plan/prices/price-table.js';
import { startManager, type StartedManager } from './start-manager.js';

const q = (s: string): string => JSON.stringify(s);

function configText(double: AwsDouble, profile: TestAwsProfile): string {
  return `concurrent = 2
listen_address = "127.0.0.1:0"
[spotrunner]
  live_prices = true
[[runners]]
  name = "aws-spot"
  url = "http://127.0.0.1:9"
  token = "glrt-aws-manager-test-0123456789"
  executor = "instance"
  [runners.autoscaler]
    plugin = "aws"
    max_instances = 2
    update_interval = "1s"
    [runners.autoscaler.plugin_config]
      name = "spot"
      region = ${q(double.region)}
      profile = ${q(profile.profile)}
      config_file = ${q(profile.configFile)}
      credentials_file = ${q(profile.credentialsFile)}
      endpoint = ${q(double.endpoint)}
      max_attempts = 1
    [[runners.autoscaler.policy]]
      idle_count = 0
      idle_time = "10m"
`;
}

let started: StartedManager | undefined;
let double: AwsDouble | undefined;
let profile: TestAwsProfile | undefined;
let dir: string | undefined;
afterEach(async () => {
  await started?.close(0);
  await double?.stop();
  await profile?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
  started = double = profile = dir = undefined;
});

describe('startManager with an aws runner', () => {
  it('counts AWS API calls on /metrics and prices the group with live spot prices', async () => {
    const clock = new SystemClock();
    double = await startAwsDouble({
      backing: createIdBacking(),
      groups: [{ name: 'spot', max: 2, instanceTypes: ['t4g.medium', 'c7g.large'] }],
      spotPrices: ['us-east-1a', 'us-east-1b'].map((zone, k) => ({
        instanceType: 't4g.medium',
        zone,
        priceUsd: 0.02 + k * 0.002,
        atMs: clock.now() - 60_000,
      })),
    });
    profile = await writeAwsProfile({ region: double.region });
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-start-manager-aws-'));
    const file = join(dir, 'config.toml');
    await writeFile(file, configText(double, profile));
    const { config } = await loadConfig(file, { env: {} });
    started = await startManager(
      { clock, logger: new MemoryLogger() },
      { config, version: 'test', env: {}, statusServer: true },
    );
    const parts = started.manager.status().parts;
    const url = String(parts.find((p) => p.name === 'status-server')?.url);
    await vi.waitFor(
      () =>
        expect(started!.manager.status().parts.find((p) => p.name === 'prices')).toMatchObject({
          refreshes: 1,
        }),
      { timeout: 10_000 },
    );
    expect(
      lookupInstancePrice(started.prices(), 't4g.medium', 'us-east-1').spotPerHourUsd,
    ).toBeCloseTo(0.021, 9);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      /spotrunner_aws_api_requests_total\{service="AutoScaling",operation="DescribeAutoScalingGroups"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /spotrunner_aws_api_requests_total\{service="EC2",operation="DescribeSpotPriceHistory"\} 1/,
    );
    const status = (await (await fetch(`${url}/status`)).json()) as {
      parts: { name: string; source?: string; asOf?: string }[];
    };
    const prices = status.parts.find((p) => p.name === 'prices');
    expect(prices?.source).toMatch(/EC2 DescribeSpotPriceHistory/);
    expect(prices?.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    double.controls.failAction('DescribeAutoScalingGroups', {
      code: 'Throttling',
      status: 400,
      times: 1,
    });
    await vi.waitFor(
      async () =>
        expect(await (await fetch(`${url}/metrics`)).text()).toContain(
          'spotrunner_aws_api_errors_total{service="AutoScaling",operation="DescribeAutoScalingGroups",code="Throttling"} 1',
        ),
      { timeout: 15_000 },
    );
  });
});
