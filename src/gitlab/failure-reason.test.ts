import { describe, expect, it } from 'vitest';
import { mapFailureReason } from './failure-reason.js';

const OLD_GITLAB = ['unknown_failure', 'script_failure', 'runner_system_failure'];
const NEW_GITLAB = [
  ...OLD_GITLAB,
  'image_pull_failure',
  'runner_interrupted',
  'runner_configuration_error',
];

describe('mapFailureReason', () => {
  it('sends script_failure for an empty reason', () => {
    expect(mapFailureReason(undefined, OLD_GITLAB)).toBe('script_failure');
    expect(mapFailureReason('', OLD_GITLAB)).toBe('script_failure');
  });

  it('always accepts the three reasons every GitLab knows', () => {
    for (const r of ['script_failure', 'runner_system_failure', 'job_execution_timeout']) {
      expect(mapFailureReason(r, [])).toBe(r);
    }
  });

  it('keeps newer reasons the instance lists', () => {
    expect(mapFailureReason('image_pull_failure', NEW_GITLAB)).toBe('image_pull_failure');
    expect(mapFailureReason('runner_interrupted', NEW_GITLAB)).toBe('runner_interrupted');
  });

  it('falls back through the compatibility map on older instances', () => {
    expect(mapFailureReason('image_pull_failure', OLD_GITLAB)).toBe('runner_system_failure');
    expect(mapFailureReason('runner_external_dependency_failure', OLD_GITLAB)).toBe(
      'runner_system_failure',
    );
    expect(mapFailureReason('runner_configuration_error', OLD_GITLAB)).toBe('script_failure');
  });

  it('degrades runner_interrupted to unknown_failure when unsupported (no compat mapping)', () => {
    expect(mapFailureReason('runner_interrupted', OLD_GITLAB)).toBe('unknown_failure');
  });

  it('always reports a finished graceful cancel as unknown_failure', () => {
    expect(mapFailureReason('job_canceled', [...NEW_GITLAB, 'job_canceled'])).toBe(
      'unknown_failure',
    );
  });
});
