import { describe, expect, it } from 'vitest';
import { parseInputFlags } from './input-flags.js';

describe('sandbox --input', () => {
  it('reads name=value flags, the value keeping any further = signs', () => {
    expect(parseInputFlags(['env=prod', 'query=a=b', 'empty='])).toEqual({
      env: 'prod',
      query: 'a=b',
      empty: '',
    });
  });

  it('refuses a flag without a name', () => {
    expect(() => parseInputFlags(['=x'])).toThrow('--input must be name=value, got "=x"');
    expect(() => parseInputFlags(['novalue'])).toThrow('--input must be name=value');
  });
});
