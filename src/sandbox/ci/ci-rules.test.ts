import { describe, expect, it } from 'vitest';
import { globToRegExp } from './ci-rules.js';

const matches = (glob: string, path: string): boolean => globToRegExp(glob).test(path);

describe('exists globs', () => {
  it('reads *, **, ? and {a,b} as GitLab does', () => {
    expect(matches('Dockerfile', 'Dockerfile')).toBe(true);
    expect(matches('*.md', 'README.md')).toBe(true);
    expect(matches('*.md', 'docs/README.md')).toBe(false);
    expect(matches('docs/**/*.md', 'docs/a.md')).toBe(true);
    expect(matches('docs/**/*.md', 'docs/guide/deep/a.md')).toBe(true);
    expect(matches('**/*.go', 'cmd/main.go')).toBe(true);
    expect(matches('**/*.go', 'main.go')).toBe(true);
    expect(matches('file?.txt', 'file1.txt')).toBe(true);
    expect(matches('file?.txt', 'file/.txt')).toBe(false);
    expect(matches('*.{yml,yaml}', 'ci.yaml')).toBe(true);
    expect(matches('*.{yml,yaml}', 'ci.json')).toBe(false);
    expect(matches('a,b.txt', 'a,b.txt')).toBe(true);
    expect(matches('weird{.txt', 'weird{.txt')).toBe(true);
    expect(matches('a.b', 'axb')).toBe(false);
  });
});
