import { describe, expect, it } from 'vitest';
import { buildKeyLineIndex, formatKeyPath } from './line-index.js';

const TEXT = `concurrent = 4
[[runners]]
  name = "a"
  [runners.autoscaler]
    plugin = "aws"
    [[runners.autoscaler.policy]]
      idle_count = 1
    [[runners.autoscaler.policy]]
      idle_count = 2
[[runners]]
  "tls-ca-file" = "/ca.pem"
  pre_build_script = """
  fake = 1
  """
  [runners.autoscaler]
    [[runners.autoscaler.policy]]
      periods = ["* * * * *"] # comment = 2
  [runners.docker]
    image = "alpine"
`;

describe('buildKeyLineIndex', () => {
  const index = buildKeyLineIndex(TEXT);

  it('counts [[runners]] entries and nested policy arrays per parent', () => {
    expect(index.exactLine(['runners', 0])).toBe(2);
    expect(index.exactLine(['runners', 1])).toBe(10);
    expect(index.exactLine(['runners', 0, 'autoscaler', 'policy', 1, 'idle_count'])).toBe(9);
    expect(index.exactLine(['runners', 1, 'autoscaler', 'policy', 0, 'periods'])).toBe(17);
    expect(index.exactLine(['runners', 1, 'docker', 'image'])).toBe(19);
  });

  it('reads quoted keys and skips the inside of multi-line strings', () => {
    expect(index.exactLine(['runners', 1, 'tls-ca-file'])).toBe(11);
    expect(index.exactLine(['runners', 1, 'pre_build_script'])).toBe(12);
    expect(index.exactLine(['runners', 1, 'fake'])).toBeUndefined();
  });

  it('falls back to the nearest enclosing key or table', () => {
    expect(index.lineOf(['runners', 0, 'autoscaler', 'max_instances'])).toBe(4);
    expect(index.lineOf(['runners', 1, 'autoscaler', 'policy', 0, 'periods', 3])).toBe(17);
    expect(index.lineOf(['nothing'])).toBeUndefined();
  });

  it('tells which key a line defines', () => {
    expect(index.pathAt(5)).toBe('runners[0].autoscaler.plugin');
    expect(index.pathAt(13)).toBeUndefined();
  });
});

describe('formatKeyPath', () => {
  it('writes array indices in brackets', () => {
    expect(formatKeyPath(['runners', 1, 'autoscaler', 'policy', 0, 'idle_time'])).toBe(
      'runners[1].autoscaler.policy[0].idle_time',
    );
  });
});
