import { describe, expect, it } from 'vitest';
import { SpotrunnerError } from '../../platform/errors.js';
import { translateAwsError, isCapacityMessage } from './aws-errors.js';
import { toFleetRows } from './fleet-listing.js';
import { toLaunchFailure } from './launch-failures.js';
import { noticeFromSpotStatus } from './spot-notices.js';

function sdkError(name: string, status = 400, message = 'boom'): Error {
  const err = new Error(message) as Error & { $metadata: { httpStatusCode: number } };
  err.name = name;
  err.$metadata = { httpStatusCode: status };
  return err;
}

function translated(err: unknown): SpotrunnerError {
  const out = translateAwsError(err, 'ec2:Test');
  if (!(out instanceof SpotrunnerError)) throw new Error('not translated');
  return out;
}

describe('translateAwsError', () => {
  it.each([
    ['InsufficientInstanceCapacity', 'provider_capacity', true],
    ['SpotMaxPriceTooLow', 'provider_capacity', true],
    ['MaxSpotInstanceCountExceeded', 'provider_capacity', true],
    ['AccessDenied', 'provider_auth', false],
    ['UnauthorizedOperation', 'provider_auth', false],
    ['ExpiredToken', 'provider_auth', false],
    ['Throttling', 'provider_throttled', true],
    ['RequestLimitExceeded', 'provider_throttled', true],
    ['InvalidInstanceID.NotFound', 'not_found', false],
    ['ScalingActivityInProgress', 'provider', true],
    ['InvalidParameterValue', 'provider', false],
  ] as const)('maps %s to %s', (name, code, retryable) => {
    const err = translated(sdkError(name));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toContain('ec2:Test');
  });

  it('treats 5xx answers and connection failures as retryable provider errors', () => {
    expect(translated(sdkError('InternalFailure', 500)).retryable).toBe(true);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(translated(refused)).toMatchObject({ code: 'provider', retryable: true });
  });

  it('leaves abort errors alone', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(translateAwsError(abort, 'x')).toBe(abort);
    const deadline = new DOMException('signal timed out', 'TimeoutError');
    expect(translateAwsError(deadline, 'x')).toBe(deadline);
  });

  it("translates the HTTP handler's request timeout as a retryable transport fault", () => {
    const timeout = Object.assign(new Error('@smithy/node-http-handler - request timed out'), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
    });
    expect(translated(timeout)).toMatchObject({ code: 'provider', retryable: true });
  });
});

describe('capacity detection in scaling activities', () => {
  it('recognises capacity wording', () => {
    expect(
      isCapacityMessage(
        'Could not launch Spot Instances. InsufficientInstanceCapacity - no capacity',
      ),
    ).toBe(true);
    expect(
      isCapacityMessage(
        'We currently do not have sufficient m7i.large capacity in the Availability Zone',
      ),
    ).toBe(true);
    expect(isCapacityMessage('capacity-not-available')).toBe(true);
    expect(isCapacityMessage('The image id [ami-1] does not exist')).toBe(false);
  });

  it('ignores successful activities', () => {
    expect(
      toLaunchFailure({
        StatusCode: 'Successful',
        StartTime: new Date(0),
        ActivityId: 'a',
        AutoScalingGroupName: 'g',
        Cause: 'c',
      }),
    ).toBeUndefined();
  });
});

describe('noticeFromSpotStatus', () => {
  it('gives marked-for-* two minutes and a finished interruption none', () => {
    expect(noticeFromSpotStatus('marked-for-termination', 1_000)).toEqual({
      kind: 'termination',
      deadlineMs: 121_000,
    });
    expect(noticeFromSpotStatus('marked-for-stop', 1_000)?.deadlineMs).toBe(121_000);
    expect(noticeFromSpotStatus('instance-terminated-no-capacity', 1_000)).toEqual({
      kind: 'termination',
      deadlineMs: 1_000,
    });
    expect(noticeFromSpotStatus('instance-terminated-capacity-oversubscribed', 5)?.kind).toBe(
      'termination',
    );
    expect(noticeFromSpotStatus('fulfilled', 1_000)).toBeUndefined();
    expect(noticeFromSpotStatus('request-canceled-and-instance-running', 1_000)).toBeUndefined();
  });
});

describe('toFleetRows', () => {
  it('adds age, hourly price and cost so far', () => {
    const rows = toFleetRows(
      [
        {
          id: 'i-1',
          state: 'running',
          instanceType: 'm7i.large',
          lifecycle: 'spot',
          launchedAtMs: 0,
        },
        { id: 'i-2', state: 'creating', instanceType: 'x9.huge', lifecycle: 'on-demand' },
      ],
      {
        region: 'us-east-1',
        nowMs: 2 * 3_600_000,
        priceFor: (type, lifecycle, region) =>
          type === 'm7i.large' && lifecycle === 'spot' && region === 'us-east-1' ? 0.04 : undefined,
      },
    );
    expect(rows[0]).toMatchObject({ ageMs: 7_200_000, pricePerHourUsd: 0.04, costSoFarUsd: 0.08 });
    expect(rows[1]).toMatchObject({
      ageMs: undefined,
      pricePerHourUsd: undefined,
      costSoFarUsd: undefined,
    });
  });
});
