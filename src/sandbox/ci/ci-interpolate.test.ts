import { describe, expect, it } from 'vitest';
import { interpolateDocuments, interpolationMessage } from './ci-interpolate.js';

const header = (inputs: Record<string, unknown>): Record<string, unknown> => ({ spec: { inputs } });
const run = (
  content: Record<string, unknown>,
  args: Record<string, unknown>,
  inputs: Record<string, unknown> = { x: null },
  vars: Record<string, string> = {},
): ReturnType<typeof interpolateDocuments> =>
  interpolateDocuments(
    { header: header(inputs), content },
    { args, lookup: (n) => vars[n], isMasked: (n) => n === 'SECRET' },
  );

describe('spec:inputs interpolation', () => {
  it('applies truncate, posix_escape and expand_vars in order', () => {
    const out = run(
      {
        a: '$[[ inputs.x | truncate(1,4) ]]',
        b: '$[[ inputs.x | posix_escape ]]',
        c: '$[[ inputs.x | expand_vars | truncate(0,6) ]]',
      },
      { x: "$HOME's dir" },
      undefined,
      { HOME: '/root' },
    );
    expect(out).toEqual({ content: { a: 'HOME', b: "\\$HOME\\'s\\ dir", c: "/root'" } });
  });

  it('keeps a whole-value block typed and turns it into text inside a string', () => {
    const out = run(
      { n: '$[[ inputs.n ]]', s: 'n=$[[ inputs.n ]] l=$[[ inputs.l ]]', l: '$[[ inputs.l ]]' },
      { n: 3, l: ['a', 'b'] },
      { n: { type: 'number' }, l: { type: 'array' } },
    );
    expect(out).toEqual({ content: { n: 3, s: 'n=3 l=["a", "b"]', l: ['a', 'b'] } });
  });

  it('refuses unknown functions, too many functions and masked variables', () => {
    const message = (content: Record<string, unknown>): string => {
      const out = run(content, { x: 'v $SECRET' });
      return out.errors ? interpolationMessage(out.errors) : 'no error';
    };
    expect(message({ a: '$[[ inputs.x | upcase ]]' })).toMatch(/^no function matching `upcase`/);
    expect(
      message({ a: '$[[ inputs.x | posix_escape | posix_escape | posix_escape | posix_escape ]]' }),
    ).toBe('too many functions in interpolation block');
    expect(message({ a: '$[[ inputs.x | expand_vars ]]' })).toBe(
      'error in `expand_vars` function: variable expansion error: masked variables cannot be expanded',
    );
    expect(message({ a: '$[[ xy ]]' })).toBe('invalid interpolation access pattern');
  });

  it('reports header mistakes and joins at most three input errors', () => {
    expect(run({}, {}, { x: { type: 'text' } })).toEqual({
      errors: ['header:spec:inputs:x input type unknown value: text'],
    });
    const out = run(
      {},
      { a: 1, b: 2 },
      { x: null, y: { type: 'number', default: 'one' }, z: null },
    );
    expect(out.errors && interpolationMessage(out.errors)).toBe(
      'unknown input arguments: a, b, `x` input: required value has not been provided, `y` input: default value is not a number',
    );
  });

  it('leaves a file without a header alone unless inputs are given to it', () => {
    const content = { a: '$[[ inputs.x ]]' };
    const opts = { lookup: () => undefined };
    expect(interpolateDocuments({ content }, { ...opts, args: {} })).toEqual({ content });
    expect(interpolateDocuments({ content }, { ...opts, args: { x: 1 } }).errors).toEqual([
      'Given inputs not defined in the `spec` section of the included configuration file',
    ]);
  });
});
