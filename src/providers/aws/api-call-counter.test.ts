import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiCallCounts, type ApiCallCounts } from '../../platform/api-call-counts.js';
import { startAwsClients, type AwsClientsFixture } from '../../../test/support/aws/aws-fixture.js';
import type { AwsClients } from './aws-clients.js';

let fx: AwsClientsFixture | undefined;

afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function counted(
  maxAttempts: number,
  endpoint?: string,
): Promise<{ c: Required<AwsClients>; counts: ApiCallCounts }> {
  const counts = createApiCallCounts();
  fx = await startAwsClients({ maxAttempts, apiCalls: counts, ...(endpoint ? { endpoint } : {}) });
  return { c: fx.clients, counts };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const describeGroups = new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['runners'] });

/** The tally the counter keeps of one operation. */
const tally =
  (service: string, operation: string) =>
  (requests: number, retries: number, errors: Record<string, number>) => ({
    service,
    operation,
    requests,
    retries,
    errors,
  });
const groupsCalls = tally('AutoScaling', 'DescribeAutoScalingGroups');
const instancesCalls = tally('EC2', 'DescribeInstances');

describe('AWS API call counter (SDK middleware)', () => {
  it('counts each call once by service and operation, and no error when it succeeds', async () => {
    const { c, counts } = await counted(3);
    await c.autoscaling.send(describeGroups);
    await c.autoscaling.send(describeGroups);
    await c.ec2.send(new DescribeInstancesCommand({}));
    expect(counts.tallies()).toEqual([groupsCalls(2, 0, {}), instancesCalls(1, 0, {})]);
  });

  it('counts the attempts the SDK retried after throttling', async () => {
    const { c, counts } = await counted(3);
    fx!.double.controls.throttle(2);
    await c.autoscaling.send(describeGroups);
    expect(counts.tallies()).toEqual([groupsCalls(1, 2, {})]);
  });

  it("labels a failed call with AWS's error code: Throttling (query), RequestLimitExceeded (ec2)", async () => {
    const { c, counts } = await counted(1);
    fx!.double.controls.throttle(2);
    await expect(c.autoscaling.send(describeGroups)).rejects.toThrow();
    await expect(c.ec2.send(new DescribeInstancesCommand({}))).rejects.toThrow();
    fx!.double.controls.failAction('DescribeInstances', {
      code: 'UnauthorizedOperation',
      status: 403,
    });
    await expect(c.ec2.send(new DescribeInstancesCommand({}))).rejects.toThrow();
    expect(counts.tallies()).toEqual([
      groupsCalls(1, 0, { Throttling: 1 }),
      instancesCalls(2, 0, { RequestLimitExceeded: 1, UnauthorizedOperation: 1 }),
    ]);
  });

  it('labels a call that got no answer NetworkingError, with its retries', async () => {
    const { c, counts } = await counted(2, `http://127.0.0.1:${await closedPort()}`);
    await expect(c.ec2.send(new DescribeInstancesCommand({}))).rejects.toThrow();
    expect(counts.tallies()).toEqual([instancesCalls(1, 1, { NetworkingError: 1 })]);
  });

  it('adds nothing when no store is given', async () => {
    fx = await startAwsClients({ maxAttempts: 1 });
    const c = fx.clients;
    expect(c.ec2.middlewareStack.identify().join(' ')).not.toContain('spotrunnerApiCallCounter');
  });
});
