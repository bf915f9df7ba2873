import { describe, expect, it } from 'vitest';
import { ConcurrentIdPool } from './concurrent-ids.js';

describe('ConcurrentIdPool (gitlab-runner builds helper ids)', () => {
  it('gives each running job the lowest free id, and the lowest free id of its project', () => {
    const pool = new ConcurrentIdPool();
    expect(pool.acquire(1, 10)).toEqual({ id: 0, projectId: 0 });
    expect(pool.acquire(2, 10)).toEqual({ id: 1, projectId: 1 });
    expect(pool.acquire(3, 20)).toEqual({ id: 2, projectId: 0 });
    pool.release(1);
    expect(pool.acquire(4, 10)).toEqual({ id: 0, projectId: 0 });
    expect(pool.acquire(5, 10)).toEqual({ id: 3, projectId: 2 });
  });

  it('keeps the ids of a job that asks again (a rerun on another instance)', () => {
    const pool = new ConcurrentIdPool();
    pool.acquire(1, 10);
    const ids = pool.acquire(2, 10);
    expect(pool.acquire(2, 10)).toEqual(ids);
  });
});
