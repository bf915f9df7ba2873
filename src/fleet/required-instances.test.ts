import { describe, expect, it } from 'vitest';
import { computeRequiredInstances, type CapacityInfo } from './required-instances.js';

const base: CapacityInfo = {
  instanceCount: 0,
  maxInstanceCount: 100,
  acquired: 0,
  unavailableCapacity: 0,
  pending: 0,
  reserved: 0,
  idleTarget: 0,
  capacityPerInstance: 1,
};
const required = (o: Partial<CapacityInfo>) => computeRequiredInstances({ ...base, ...o });

describe('computeRequiredInstances', () => {
  it('keeps five idle instances for capacity 1 and idle_count 5', () => {
    expect(required({ idleTarget: 5 })).toMatchObject({ target: 5, delta: 5 });
  });

  it('keeps one spare instance for capacity 5 and idle_count 5', () => {
    expect(required({ idleTarget: 5, capacityPerInstance: 5 })).toMatchObject({ target: 1 });
    expect(
      required({ idleTarget: 5, capacityPerInstance: 5, acquired: 5, instanceCount: 1 }),
    ).toMatchObject({ target: 2, delta: 1 });
  });

  it('never asks for more than max_instances', () => {
    const r = required({ capacityPerInstance: 2, maxInstanceCount: 4, pending: 20, idleTarget: 2 });
    expect(r.target).toBe(4);
  });

  it('rounds demand up to whole instances', () => {
    expect(required({ capacityPerInstance: 4, pending: 5 })).toMatchObject({
      target: 2,
      demand: 5,
    });
  });

  it('counts pending acquisitions and unavailable slots as demand', () => {
    expect(
      required({ acquired: 2, unavailableCapacity: 1, pending: 3, instanceCount: 3 }),
    ).toMatchObject({
      target: 6,
      delta: 3,
    });
  });

  it('returns a negative delta when there are more instances than needed', () => {
    expect(required({ instanceCount: 4, acquired: 1 })).toMatchObject({ target: 1, delta: -3 });
  });

  it('lets reservations hold capacity without adding to the idle target', () => {
    expect(required({ instanceCount: 3, reserved: 3, idleTarget: 1 })).toMatchObject({ delta: 0 });
    expect(required({ instanceCount: 3, reserved: 1, idleTarget: 2 })).toMatchObject({ delta: -1 });
  });

  it('does not create capacity for acquisitions beyond what instances provide (runaway guard)', () => {
    // Two instances vanished under their jobs: 4 acquisitions remain on 2 instances.
    expect(required({ instanceCount: 2, acquired: 4 })).toMatchObject({ target: 2, delta: 0 });
    expect(required({ instanceCount: 2, acquired: 2, unavailableCapacity: 3 })).toMatchObject({
      delta: 0,
    });
  });
});
