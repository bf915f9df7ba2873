import { describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import { parsePriceFile } from './load-prices.js';
import {
  bundledPriceTable,
  defaultInstanceType,
  lookupInstancePrice,
  mergePriceTables,
} from './price-table.js';

describe('bundled price table', () => {
  const table = bundledPriceTable();

  it('is dated and carries the seed 002 spot figures for us-east-1', () => {
    expect(table.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(lookupInstancePrice(table, 't4g.medium', 'us-east-1')).toMatchObject({
      spotPerHourUsd: 0.012,
      onDemandPerHourUsd: 0.0336,
      vcpu: 2,
      memoryGiB: 4,
      arch: 'arm64',
    });
    expect(lookupInstancePrice(table, 't4g.large', 'us-east-1').spotPerHourUsd).toBe(0.024);
    expect(lookupInstancePrice(table, 'c7g.large', 'us-east-1').spotPerHourUsd).toBe(0.029);
  });

  it('covers the common x86 and ARM types in four regions, spot below on-demand', () => {
    const types = [
      't3.micro',
      't3a.xlarge',
      't4g.small',
      'm6i.2xlarge',
      'm7i.large',
      'm7g.xlarge',
      'm7a.large',
      'c6i.large',
      'c7i.xlarge',
      'c7g.2xlarge',
      'c7a.large',
      'r7g.large',
    ];
    for (const region of ['us-east-1', 'us-east-2', 'eu-west-1', 'eu-central-1']) {
      for (const type of types) {
        const p = lookupInstancePrice(table, type, region);
        expect(p.spotPerHourUsd).toBeGreaterThan(0);
        expect(p.spotPerHourUsd).toBeLessThan(p.onDemandPerHourUsd);
      }
    }
    expect(
      lookupInstancePrice(table, 'm6i.large', 'eu-central-1').onDemandPerHourUsd,
    ).toBeGreaterThan(lookupInstancePrice(table, 'm6i.large', 'us-east-1').onDemandPerHourUsd);
  });

  it('names what is known when a type or region is not', () => {
    expect(() => lookupInstancePrice(table, 'x9.huge', 'us-east-1')).toThrow(UserError);
    expect(() => lookupInstancePrice(table, 'x9.huge', 'us-east-1')).toThrow(/known: t3\.micro/);
    expect(() => lookupInstancePrice(table, 't4g.medium', 'mars-1')).toThrow(
      /no prices for region mars-1/,
    );
  });

  it('defaults to t4g.medium on ARM and t3a.medium on x86', () => {
    expect(defaultInstanceType('arm64')).toBe('t4g.medium');
    expect(defaultInstanceType(undefined)).toBe('t4g.medium');
    expect(defaultInstanceType('amd64')).toBe('t3a.medium');
  });
});

describe('--prices files', () => {
  it('lays JSON prices and new types over the table', () => {
    const over = parsePriceFile(
      JSON.stringify({
        asOf: '2026-11-20',
        source: 'my quote',
        types: { 'x8g.large': { vcpu: 2, memoryGiB: 16, arch: 'arm64' } },
        prices: {
          'us-east-1': {
            't4g.medium': { spot: 0.0101 },
            'x8g.large': { onDemand: 0.1, spot: 0.04 },
          },
        },
      }),
      'p.json',
    );
    const t = mergePriceTables(bundledPriceTable(), over);
    expect(t.asOf).toBe('2026-11-20');
    expect(lookupInstancePrice(t, 't4g.medium', 'us-east-1')).toMatchObject({
      spotPerHourUsd: 0.0101,
      onDemandPerHourUsd: 0.0336,
    });
    expect(lookupInstancePrice(t, 'x8g.large', 'us-east-1')).toMatchObject({
      vcpu: 2,
      spotPerHourUsd: 0.04,
      burstable: false,
    });
  });

  it('reads CSV rows, naming the line of a bad price', () => {
    const over = parsePriceFile(
      'region,instance_type,on_demand,spot\nap-south-1,t4g.medium,0.02,0.007\n',
      'p.csv',
    );
    const t = mergePriceTables(bundledPriceTable(), over);
    expect(lookupInstancePrice(t, 't4g.medium', 'ap-south-1').spotPerHourUsd).toBe(0.007);
    expect(() =>
      parsePriceFile(
        'region,instance_type,on_demand,spot\nus-east-1,t4g.medium,cheap,1\n',
        'p.csv',
      ),
    ).toThrow('p.csv:2: on_demand "cheap" is not a price');
  });

  it('refuses a type that only has a spot price', () => {
    const over = parsePriceFile('region,instance_type,spot\nus-east-1,z1.tiny,0.001\n', 'p.csv');
    expect(() =>
      lookupInstancePrice(mergePriceTables(bundledPriceTable(), over), 'z1.tiny', 'us-east-1'),
    ).toThrow(UserError);
  });
});
