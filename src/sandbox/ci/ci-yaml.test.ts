import { describe, expect, it } from 'vitest';
import type { CiIssues } from './ci-parts.js';
import { CiReference, resolveReferences } from './ci-reference.js';
import { parseCiYaml } from './ci-yaml.js';

const load = (text: string): { value: Record<string, unknown>; issues: CiIssues } => {
  const issues: CiIssues = { warnings: [], errors: [] };
  return { value: parseCiYaml(text, issues), issues };
};

describe('CI YAML loading', () => {
  it('keeps !reference tags as references with where they were written', () => {
    const { value } = load('a: [x]\nb:\n  - !reference [a]\n');
    const ref = (value.b as unknown[])[0];
    expect(ref).toBeInstanceOf(CiReference);
    expect((ref as CiReference).keys).toEqual(['a']);
    expect((ref as CiReference).where).toBe('.gitlab-ci.yml:3');
  });

  it('refuses malformed !reference tags with GitLab messages', () => {
    for (const [text, message] of [
      ['a: !reference foo\n', '!reference "foo" is not valid'],
      ['a: !reference []\n', '!reference [] is not valid'],
      ['a: !reference [x, 1]\n', '!reference ["x", 1] is not valid'],
      ['x: {y: false}\na: !reference [x, y]\n', '!reference ["x", "y"] could not be found'],
      ['x: [y]\na: !reference [x, y]\n', '!reference ["x", "y"] could not be found'],
    ] as const) {
      const { value, issues } = load(text);
      expect(resolveReferences(value, issues), text).toBeUndefined();
      expect(issues.errors, text).toEqual([
        expect.stringMatching(new RegExp(`^${escape(message)}`)),
      ]);
    }
  });

  it('stops documents whose aliases expand exponentially', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const { value, issues } = load(`${lines.join('\n')}\n`);
    expect(value).toEqual({});
    expect(issues.errors).toEqual(['.gitlab-ci.yml: The parsed YAML is too big']);
  });

  it('reports YAML syntax errors with the file and line', () => {
    const { issues } = load('a:\n  b: [\n');
    expect(issues.errors[0]).toMatch(/^\.gitlab-ci\.yml:\d+: /);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
