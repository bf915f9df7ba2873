import { describe, expect, it } from 'vitest';
import { resolvePullPolicies } from './pull-policy.js';

describe('pull policies', () => {
  it("uses the runner's policies when the job names none", () => {
    expect(resolvePullPolicies([], { pullPolicy: ['always', 'if-not-present'] })).toEqual({
      policies: ['always', 'if-not-present'],
    });
  });

  it("lets the job's list override the runner's when allowed", () => {
    expect(
      resolvePullPolicies(['never'], {
        pullPolicy: ['always'],
        allowedPullPolicies: ['always', 'never'],
      }),
    ).toEqual({ policies: ['never'] });
  });

  it("keeps only allowed policies, allowed defaulting to the runner's pull_policy", () => {
    expect(
      resolvePullPolicies(['never', 'if-not-present'], { pullPolicy: ['if-not-present'] }),
    ).toEqual({
      policies: ['if-not-present'],
    });
  });

  it('refuses a job whose policies are all disallowed, naming both lists', () => {
    expect(resolvePullPolicies(['always'], { pullPolicy: ['never'] })).toEqual({
      error:
        'pull_policy ([always]) defined in GitLab pipeline config is not one of the allowed_pull_policies ([never])',
    });
    expect(
      resolvePullPolicies([], { pullPolicy: ['always'], allowedPullPolicies: ['never'] }),
    ).toEqual({
      error:
        'pull_policy ([always]) defined in Runner config is not one of the allowed_pull_policies ([never])',
    });
  });

  it('refuses an unknown policy name', () => {
    const decision = resolvePullPolicies(['sometimes'], { pullPolicy: ['always'] });
    expect('error' in decision && decision.error).toContain('unsupported pull_policy "sometimes"');
  });
});
