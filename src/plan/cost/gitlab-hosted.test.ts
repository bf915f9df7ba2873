import { describe, expect, it } from 'vitest';
import { GITLAB_HOSTED, hostedMinutesUsd, hostedSizeFor } from './gitlab-hosted.js';

describe('GitLab-hosted comparison', () => {
  it('maps a machine to the smallest hosted size of its architecture that has its vCPUs', () => {
    expect(hostedSizeFor({ vcpu: 2, arch: 'arm64' }).tag).toBe('saas-linux-small-arm64');
    expect(hostedSizeFor({ vcpu: 4, arch: 'amd64' })).toMatchObject({
      tag: 'saas-linux-medium-amd64',
      costFactor: 2,
    });
    expect(hostedSizeFor({ vcpu: 6, arch: 'amd64' }).tag).toBe('saas-linux-large-amd64');
    // No Arm64 size past large: the x86-64 sizes; nothing past 2xlarge: 2xlarge.
    expect(hostedSizeFor({ vcpu: 16, arch: 'arm64' })).toMatchObject({ costFactor: 6 });
    expect(hostedSizeFor({ vcpu: 64, arch: 'amd64' }).tag).toBe('saas-linux-2xlarge-amd64');
  });

  it('prices minutes by cost factor at $10 per 1,000 compute minutes', () => {
    expect(GITLAB_HOSTED.usdPerComputeMinute).toBe(0.01);
    expect(hostedMinutesUsd(100, hostedSizeFor({ vcpu: 8, arch: 'amd64' }))).toBeCloseTo(3, 9);
  });
});
