import { describe, expect, it } from 'vitest';
import { fnmatch } from './ci-changes.js';

describe("rules:changes globs (Ruby's File.fnmatch? with PATHNAME, DOTMATCH, EXTGLOB)", () => {
  it.each([
    ['*', 'README.md', true],
    ['*', 'src/a.c', false],
    ['*', '.gitignore', true],
    ['**/*', 'a/.hidden/b', true],
    ['**/*.c', 'main.c', true],
    ['src/**/*.c', 'src/a/b/c.c', true],
    ['src/**', 'src/a/b.c', false],
    ['src/**', 'src/b.c', true],
    ['src/?.c', 'src/a.c', true],
    ['src/?.c', 'src/ab.c', false],
    ['src/[a-c].c', 'src/b.c', true],
    ['src/[!a-c].c', 'src/b.c', false],
    ['src/[!a-c].c', 'src/d.c', true],
    ['a[/]b', 'a/b', false],
    ['{docs,src}/{x,y}.{md,c}', 'src/y.c', true],
    ['{docs,src/{a,b}}/*', 'src/b/z', true],
    ['\\*.md', '*.md', true],
    ['\\*.md', 'a.md', false],
    ['file(1).txt', 'file(1).txt', true],
  ])('%s against %s is %s', (glob, path, want) => {
    expect(fnmatch(glob, path)).toBe(want);
  });
});

describe('rules:changes brace limits', () => {
  it('takes a glob with too many brace alternatives literally instead of expanding it', () => {
    const glob = Array.from({ length: 12 }, () => '{a,b}').join('');
    expect(fnmatch(glob, 'a'.repeat(12))).toBe(false);
    expect(fnmatch(glob, glob)).toBe(true);
  });
});
