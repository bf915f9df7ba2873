import { describe, expect, it } from 'vitest';
import { wildcardToRegExp } from './ci-include-location.js';

const FILES = [
  'configs/a.yml',
  'configs/sub/b.yml',
  'configs/sub/deep/c.yml',
  'configs/notes.md',
  'other/configs/d.yml',
];
const matching = (pattern: string): string[] =>
  FILES.filter((f) => wildcardToRegExp(pattern).test(f));

describe('include:local wildcards', () => {
  it('match as GitLab documents: * within a folder, ** across folders', () => {
    expect(matching('configs/*.yml')).toEqual(['configs/a.yml']);
    expect(matching('configs/**.yml')).toEqual([
      'configs/a.yml',
      'configs/sub/b.yml',
      'configs/sub/deep/c.yml',
    ]);
    expect(matching('configs/**/*.yml')).toEqual(['configs/sub/b.yml', 'configs/sub/deep/c.yml']);
    expect(matching('**/configs/*.yml')).toEqual(['other/configs/d.yml']);
  });

  it('treat other characters literally', () => {
    expect(wildcardToRegExp('a.b/*.yml').test('aXb/c.yml')).toBe(false);
    expect(wildcardToRegExp('(x)/*.yml').test('(x)/c.yml')).toBe(true);
  });
});
