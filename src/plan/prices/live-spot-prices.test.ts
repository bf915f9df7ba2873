import { EC2Client } from '@aws-sdk/client-ec2';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEc2SpotPriceSource, fetchLiveSpotPrices } from './live-spot-prices.js';
import { bundledPriceTable, lookupInstancePrice, mergePriceTables } from './price-table.js';

/** A double of EC2's query API for DescribeSpotPriceHistory (form-encoded POST, XML answer, NextToken pages). */
let server: Server;
let endpoint: string;
const bodies: URLSearchParams[] = [];
const item = (type: string, zone: string, price: string, ts: string): string =>
  `<item><instanceType>${type}</instanceType><productDescription>Linux/UNIX</productDescription>` +
  `<spotPrice>${price}</spotPrice><timestamp>${ts}</timestamp><availabilityZone>${zone}</availabilityZone></item>`;

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(data);
      bodies.push(form);
      const second = form.get('NextToken') === 'page2';
      const items = second
        ? [item('t4g.medium', 'us-east-1c', '0.011500', '2026-11-22T23:00:00.000Z')]
        : [
            item('t4g.medium', 'us-east-1a', '0.009900', '2026-11-22T20:00:00.000Z'),
            item('t4g.medium', 'us-east-1a', '0.010100', '2026-11-22T22:00:00.000Z'),
            item('t4g.medium', 'us-east-1b', '0.013000', '2026-11-22T21:00:00.000Z'),
            item('c7g.large', 'us-east-1a', '0.031000', '2026-11-22T21:00:00.000Z'),
          ];
      res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">` +
          `<requestId>r-1</requestId><spotPriceHistorySet>${items.join('')}</spotPriceHistorySet>` +
          `<nextToken>${second ? '' : 'page2'}</nextToken></DescribeSpotPriceHistoryResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('live spot prices (EC2 DescribeSpotPriceHistory)', () => {
  it('takes the latest price per zone and the median across zones, over every page', async () => {
    const client = new EC2Client({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    const nowMs = Date.parse('2026-11-23T00:00:00Z');
    const live = await fetchLiveSpotPrices(createEc2SpotPriceSource(client), {
      region: 'us-east-1',
      instanceTypes: ['t4g.medium', 'c7g.large'],
      nowMs,
    });
    expect(bodies[0]!.get('Action')).toBe('DescribeSpotPriceHistory');
    expect(bodies[0]!.get('InstanceType.1')).toBe('t4g.medium');
    expect(bodies[0]!.get('ProductDescription.1')).toBe('Linux/UNIX');
    expect(Date.parse(bodies[0]!.get('StartTime')!)).toBe(nowMs - 6 * 3_600_000);
    expect(bodies).toHaveLength(2);
    // zones a: 0.0101 (latest), b: 0.013, c: 0.0115 → median 0.0115
    const table = mergePriceTables(bundledPriceTable(), live);
    const t4g = lookupInstancePrice(table, 't4g.medium', 'us-east-1');
    expect(t4g.spotPerHourUsd).toBeCloseTo(0.0115, 9);
    expect(t4g.onDemandPerHourUsd).toBe(0.0336);
    expect(t4g.source).toMatch(/EC2 DescribeSpotPriceHistory .*median of 3 zone/);
    expect(lookupInstancePrice(table, 'c7g.large', 'us-east-1').spotPerHourUsd).toBe(0.031);
  });
});
