import { describe, expect, it } from 'vitest';
import { cacheObjectName, expandVariables, sanitizeCacheKey } from './cache-key.js';

describe('cache keys', () => {
  it('expands job variables like bash', () => {
    const vars = new Map([['CI_COMMIT_REF_SLUG', 'main']]);
    expect(expandVariables('deps-$CI_COMMIT_REF_SLUG-${CI_COMMIT_REF_SLUG}-$NOPE', vars)).toBe(
      'deps-main-main-',
    );
  });

  it('sanitises as gitlab-runner does and says so', () => {
    expect(sanitizeCacheKey('plain')).toEqual({ key: 'plain' });
    expect(sanitizeCacheKey('a%2F..%2Fb')).toEqual({
      key: 'b',
      warning: 'cache key "a%2F..%2Fb" sanitized to "b"',
    });
    expect(sanitizeCacheKey('x/./y\\z  ')?.key).toBe('x/y/z');
    expect(sanitizeCacheKey('../../..')).toBeUndefined();
  });

  it('builds object names with and without Shared', () => {
    const o = { path: '/cache/', shortToken: 'abcdefghi', projectId: 5 };
    expect(cacheObjectName('k', { ...o, shared: false })).toBe(
      'cache/runner/abcdefghi/project/5/k',
    );
    expect(cacheObjectName('k', { ...o, shared: true })).toBe('cache/project/5/k');
    expect(cacheObjectName('k', { ...o, path: '', shared: true })).toBe('project/5/k');
  });
});
