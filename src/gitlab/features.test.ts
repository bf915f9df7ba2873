import { describe, expect, it } from 'vitest';
import { FEATURE_KEYS, runnerFeatures } from './features.js';

describe('runnerFeatures', () => {
  it('emits all 31 keys in gitlab-runner order', () => {
    const features = runnerFeatures('instance');
    expect(Object.keys(features)).toEqual([...FEATURE_KEYS]);
    expect(FEATURE_KEYS).toHaveLength(31);
  });

  it('declares image and services only for container executors', () => {
    for (const key of [
      'image',
      'services',
      'service_variables',
      'service_multiple_aliases',
    ] as const) {
      expect(runnerFeatures('docker-autoscaler')[key]).toBe(true);
      expect(runnerFeatures('instance')[key]).toBe(false);
    }
  });

  it('declares shared only where builds share the host', () => {
    expect(runnerFeatures('instance').shared).toBe(true);
    expect(runnerFeatures('shell').shared).toBe(true);
    expect(runnerFeatures('docker-autoscaler').shared).toBe(false);
  });

  it('does not claim release steps, sessions or vault secrets', () => {
    const f = runnerFeatures('docker-autoscaler');
    expect(f.multi_build_steps).toBe(false);
    expect(f.session).toBe(false);
    expect(f.terminal).toBe(false);
    expect(f.vault_secrets).toBe(false);
  });

  it('declares what the trace writer and runner loop implement', () => {
    const f = runnerFeatures('instance');
    for (const key of [
      'trace_reset',
      'trace_checksum',
      'trace_size',
      'cancelable',
      'cancel_gracefully',
      'two_phase_job_commit',
      'masking',
      'refspecs',
      'return_exit_code',
    ] as const) {
      expect(f[key]).toBe(true);
    }
  });

  it('applies overrides on top of the executor set', () => {
    expect(runnerFeatures('instance', { two_phase_job_commit: false }).two_phase_job_commit).toBe(
      false,
    );
  });
});
