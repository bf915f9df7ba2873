import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { expandEnv, jsonencode } from './expand-env.js';

const expand = (text: string, env: Record<string, string>): string => {
  const result = expandEnv(text, 'config.toml', env);
  expect(result.issues).toEqual([]);
  return result.text;
};

describe('expandEnv', () => {
  it('replaces ${NAME} in bare values and in strings', () => {
    const text = expand('n = ${N}\ns = "x-${S}-y"\n', { N: '42', S: 'mid' });
    expect(parse(text)).toEqual({ n: 42, s: 'x-mid-y' });
  });

  it('treats $$ as a literal dollar and leaves a lone $ alone', () => {
    expect(expand('a = "$$HOME and $5 and $$${X}"', { X: 'x' })).toBe('a = "$HOME and $5 and $x"');
  });

  it('does not expand inside comments, even for unset variables', () => {
    expect(expand('a = 1 # uses ${NOT_SET} and $$\n', {})).toBe('a = 1 # uses ${NOT_SET} and $$\n');
  });

  it('does not mistake a # inside a string for a comment', () => {
    expect(expand('a = "#${X}"', { X: 'y' })).toBe('a = "#y"');
  });

  it('escapes quotes, backslashes and newlines inside "…" strings', () => {
    const text = expand('token = "${T}"', { T: 'a"b\\c\nd' });
    expect(parse(text)).toEqual({ token: 'a"b\\c\nd' });
  });

  it("refuses a value with a quote inside a '…' literal string", () => {
    const result = expandEnv("p = '${P}'\n", 'config.toml', { P: "it's" });
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]!.message).toMatch(/cannot go inside a '…' string/);
  });

  it('inserts a JSON array as is for ${jsonencode(NAME)}', () => {
    const text = expand('extra_hosts = ${jsonencode(H)}', { H: '["a:1.2.3.4", "b:5.6.7.8"]' });
    expect(parse(text)).toEqual({ extra_hosts: ['a:1.2.3.4', 'b:5.6.7.8'] });
  });

  it('splits a comma-separated value into strings for ${jsonencode(NAME)}', () => {
    const text = expand('xs = ${jsonencode(H)}', { H: ' a , b,,c ' });
    expect(parse(text)).toEqual({ xs: ['a', 'b', 'c'] });
  });

  it('reports every missing variable with its line and key', () => {
    const result = expandEnv(
      'a = ${A}\nb = "${B}"\nc = ${C}\n',
      'config.toml',
      { B: 'ok' },
      (line) => (line === 1 ? 'a' : line === 3 ? 'c' : undefined),
    );
    expect(result.issues.map((i) => [i.line, i.key, i.message])).toEqual([
      [1, 'a', 'environment variable A is not set (referenced as "${A}")'],
      [3, 'c', 'environment variable C is not set (referenced as "${C}")'],
    ]);
  });

  it('reports unsupported expressions and unterminated placeholders', () => {
    const result = expandEnv('a = ${lower(A)}\nb = "${B\n', 'config.toml', { A: 'x', B: 'y' });
    expect(result.issues.map((i) => i.line)).toEqual([1, 2]);
    expect(result.issues[0]!.message).toMatch(/unsupported placeholder/);
    expect(result.issues[1]!.message).toMatch(/unterminated/);
  });

  it('maps expanded lines back to original lines when a value has line breaks', () => {
    const result = expandEnv('a = ${V}\nb = 2\n', 'config.toml', { V: '[\n1,\n2]' });
    expect(result.text).toBe('a = [\n1,\n2]\nb = 2\n');
    expect(result.lineMap).toEqual([1, 1, 1, 2, 3]);
  });

  it('leaves multi-line strings expandable and comments after them untouched', () => {
    const text = expand('s = """\nline ${X}\n"""\n# ${Y}\n', { X: 'one' });
    expect(parse(text)).toEqual({ s: 'line one\n' });
  });
});

describe('jsonencode', () => {
  it('keeps numbers and booleans of a JSON array', () => {
    expect(jsonencode('[1, true, "x"]')).toBe('[1,true,"x"]');
  });

  it('falls back to comma splitting for arrays of objects, which TOML cannot hold inline', () => {
    expect(jsonencode('[{"a":1}]')).toBe('["[{\\"a\\":1}]"]');
  });

  it('gives an empty array for an empty value', () => {
    expect(jsonencode('  ')).toBe('[]');
  });
});
