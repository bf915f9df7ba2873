import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../platform/clock.js';
import { MemoryLogger } from '../platform/logger.js';
import { createApiCallCounts, type ApiCallCounts } from '../platform/api-call-counts.js';
import { defaultAwsProviderOptions } from '../providers/aws/index.js';
import { bundledPriceTable, lookupInstancePrice } from '../plan/prices/price-table.js';
import { startAwsClients, type AwsClientsFixture } from '../../test/support/aws/aws-fixture.js';
import type { AwsDoubleGroupSpec } from '../../test/support/aws/double-model.js';
import type { SpotPricePoint } from '../../test/support/aws/ec2-api.js';
import {
  createPriceBook,
  type PriceBook,
  type PriceBookOptions,
  type PricedStack,
} from './live-prices.js';
import type { ManagerPart } from './parts.js';

const HOUR = 3_600_000;
let aws: AwsClientsFixture | undefined;
let part: ManagerPart | undefined;
let dir: string | undefined;

afterEach(async () => {
  await part?.stop({ graceMs: 0 });
  await aws?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  part = aws = dir = undefined;
});

/**
 * Every minute for the last 5 h in two zones: 600 points per type (two types fill more than one
 * 1000-item page), the newest one at `latest[zone]`.
 */
function history(clock: VirtualClock, type: string, latest: [number, number]): SpotPricePoint[] {
  const points: SpotPricePoint[] = [];
  for (let k = 300; k >= 1; k--) {
    for (const [z, zone] of (['us-east-1a', 'us-east-1b'] as const).entries()) {
      points.push({
        instanceType: type,
        zone,
        priceUsd: k === 1 ? latest[z]! : 0.5,
        atMs: clock.now() - k * 60_000,
      });
    }
  }
  return points;
}

async function setup(
  clock: VirtualClock,
  group: AwsDoubleGroupSpec,
  spotPrices: SpotPricePoint[],
  options: Partial<PriceBookOptions> = {},
): Promise<{
  logger: MemoryLogger;
  calls: ApiCallCounts;
  book: PriceBook;
}> {
  const calls = createApiCallCounts();
  aws = await startAwsClients({
    double: { groups: [group], spotPrices },
    maxAttempts: 1,
    apiCalls: calls,
  });
  const { clients, double } = aws;
  const stack: PricedStack = {
    awsGroups: [
      { clients, options: defaultAwsProviderOptions(group.name), clientKey: double.endpoint },
    ],
    fleet: { status: () => ({ instances: [] }) },
  };
  const logger = new MemoryLogger();
  const book = await createPriceBook({ clock, logger }, { livePrices: true, ...options });
  part = book.part({ stacks: () => [stack] });
  return { logger, calls, book };
}

describe('manager prices (live_prices)', () => {
  it("prices the group's override types with current spot prices over every page, hourly", async () => {
    const clock = new VirtualClock();
    const { book } = await setup(
      clock,
      { name: 'spot', max: 3, instanceTypes: ['c7g.large', 't4g.medium'] },
      [
        ...history(clock, 't4g.medium', [0.0101, 0.013]),
        ...history(clock, 'c7g.large', [0.03, 0.032]),
      ],
    );
    expect(lookupInstancePrice(book.current(), 't4g.medium', 'us-east-1').spotPerHourUsd).toBe(
      0.012,
    );
    await part!.start();
    await vi.waitFor(() => expect(part!.status()).toMatchObject({ refreshes: 1 }));
    const t4g = lookupInstancePrice(book.current(), 't4g.medium', 'us-east-1');
    expect(t4g.spotPerHourUsd).toBeCloseTo((0.0101 + 0.013) / 2, 9);
    expect(t4g.onDemandPerHourUsd).toBe(0.0336);
    expect(t4g.source).toMatch(/EC2 DescribeSpotPriceHistory/);
    expect(
      lookupInstancePrice(book.current(), 'c7g.large', 'us-east-1').spotPerHourUsd,
    ).toBeCloseTo(0.031, 9);
    const spotCalls = aws!.double.controls.requests.filter(
      (r) => r.action === 'DescribeSpotPriceHistory',
    );
    expect(spotCalls).toHaveLength(2);
    expect(spotCalls[0]!.params).toMatchObject({
      'InstanceType.1': 'c7g.large',
      'InstanceType.2': 't4g.medium',
    });
    expect(part!.state).toBe('running');
    expect(part!.status()).toMatchObject({
      livePrices: true,
      asOf: '2026-01-05',
      failures: 0,
      liveRegions: ['us-east-1'],
    });
    expect(part!.status()).not.toHaveProperty('lastError');

    await clock.advance(HOUR);
    await vi.waitFor(() => expect(part!.status()).toMatchObject({ refreshes: 2 }));
    expect(
      aws!.double.controls.requests.filter((r) => r.action === 'DescribeSpotPriceHistory'),
    ).toHaveLength(4);
  });

  it('prices the launch template type of a group without overrides', async () => {
    const clock = new VirtualClock();
    const { book } = await setup(
      clock,
      { name: 'one', max: 3, instanceTypes: ['m7g.large'] },
      history(clock, 'm7g.large', [0.04, 0.05]),
    );
    await part!.start();
    await vi.waitFor(() => expect(part!.status()).toMatchObject({ refreshes: 1 }));
    expect(aws!.double.controls.requests.map((r) => r.action)).toContain(
      'DescribeLaunchTemplateVersions',
    );
    expect(
      lookupInstancePrice(book.current(), 'm7g.large', 'us-east-1').spotPerHourUsd,
    ).toBeCloseTo(0.045, 9);
  });

  it('keeps the last good table when AWS fails, logs once per failure streak and counts the error', async () => {
    const clock = new VirtualClock();
    const { book, logger, calls } = await setup(
      clock,
      { name: 'spot', max: 3, instanceTypes: ['c7g.large', 't4g.medium'] },
      history(clock, 't4g.medium', [0.02, 0.02]),
    );
    await part!.start();
    await vi.waitFor(() => expect(part!.status()).toMatchObject({ refreshes: 1 }));
    expect(lookupInstancePrice(book.current(), 't4g.medium', 'us-east-1').spotPerHourUsd).toBe(
      0.02,
    );

    aws!.double.controls.failAction('DescribeSpotPriceHistory', {
      code: 'UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
      status: 403,
    });
    await clock.advance(HOUR);
    await vi.waitFor(() => expect(part!.status()).toMatchObject({ refreshes: 2, failures: 1 }));
    await clock.advance(HOUR);
    await vi.waitFor(() => expect(part!.status()).toMatchObject({ refreshes: 3, failures: 2 }));
    expect(lookupInstancePrice(book.current(), 't4g.medium', 'us-east-1').spotPerHourUsd).toBe(
      0.02,
    );
    expect(String((part!.status() as { lastError?: string }).lastError)).toMatch(
      /ec2:DescribeSpotPriceHistory: UnauthorizedOperation/,
    );
    expect(logger.messages('warn')).toEqual(['price refresh failed; keeping the last prices']);
    const spot = calls.tallies().find((t) => t.operation === 'DescribeSpotPriceHistory');
    expect(spot?.errors).toEqual({ UnauthorizedOperation: 2 });
  });

  it('looks again within a minute while no aws group is there to price', async () => {
    const clock = new VirtualClock();
    const { book } = await setup(
      clock,
      { name: 'spot', max: 3, instanceTypes: ['c7g.large', 't4g.medium'] },
      history(clock, 't4g.medium', [0.02, 0.02]),
    );
    let stacks: PricedStack[] = [];
    part = book.part({ stacks: () => stacks });
    await part.start();
    await vi.waitFor(() =>
      expect(part!.status()).toMatchObject({ refreshes: 1, waitingForAwsGroups: true }),
    );
    stacks = [
      {
        awsGroups: [
          { clients: aws!.clients, options: defaultAwsProviderOptions('spot'), clientKey: 'k' },
        ],
        fleet: { status: () => ({ instances: [] }) },
      },
    ];
    await clock.advance(60_000);
    await vi.waitFor(() => expect(part!.status()).toMatchObject({ refreshes: 2 }));
    expect(part.status()).not.toHaveProperty('waitingForAwsGroups');
    expect(lookupInstancePrice(book.current(), 't4g.medium', 'us-east-1').spotPerHourUsd).toBe(
      0.02,
    );
  });

  it('lays the price file over the bundled table and live prices over both', async () => {
    const clock = new VirtualClock();
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-prices-'));
    const file = join(dir, 'prices.json');
    await writeFile(
      file,
      JSON.stringify({
        prices: {
          'us-east-1': {
            't4g.medium': { onDemand: 0.05, spot: 0.001 },
            't3.micro': { spot: 0.002 },
          },
        },
      }),
    );
    const { book } = await setup(
      clock,
      { name: 'spot', max: 3, instanceTypes: ['c7g.large', 't4g.medium'] },
      history(clock, 't4g.medium', [0.02, 0.02]),
      { pricesFile: file },
    );
    await part!.start();
    await vi.waitFor(() => expect(part!.status()).toMatchObject({ refreshes: 1 }));
    const t4g = lookupInstancePrice(book.current(), 't4g.medium', 'us-east-1');
    expect(t4g).toMatchObject({ onDemandPerHourUsd: 0.05, spotPerHourUsd: 0.02 });
    expect(lookupInstancePrice(book.current(), 't3.micro', 'us-east-1').spotPerHourUsd).toBe(0.002);
    expect(part!.status()).toMatchObject({ pricesFile: file });
  });

  it('lays the price file over the bundled table when made, before any refresh', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-prices-'));
    const file = join(dir, 'prices.csv');
    await writeFile(file, 'region,instance_type,on_demand,spot\nus-east-1,t4g.medium,0.05,0.004\n');
    const logger = new MemoryLogger();
    const deps = { clock: new VirtualClock(), logger };
    const book = await createPriceBook(deps, { livePrices: false, pricesFile: file });
    expect(lookupInstancePrice(book.current(), 't4g.medium', 'us-east-1')).toMatchObject({
      onDemandPerHourUsd: 0.05,
      spotPerHourUsd: 0.004,
    });
    expect(logger.messages('warn')).toEqual([]);
  });

  it('uses the bundled table when the price file does not load, and says so once', async () => {
    const logger = new MemoryLogger();
    const deps = { clock: new VirtualClock(), logger };
    const book = await createPriceBook(deps, { livePrices: false, pricesFile: '/nonexistent.csv' });
    expect(book.current()).toEqual(bundledPriceTable());
    expect(logger.messages('warn')).toEqual(['price file not loaded; using the bundled prices']);
  });
});
