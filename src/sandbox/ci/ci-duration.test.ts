import { describe, expect, it } from 'vitest';
import { parseCiDurationS } from './ci-duration.js';

describe('parseCiDurationS', () => {
  it.each([
    ['3600', 3600],
    [90, 90],
    ['1h 30m', 5400],
    ['1h30m', 5400],
    ['10 minutes', 600],
    ['2 hours and 5 minutes', 7500],
    ['1.5 hours', 5400],
    ['1 day', 86_400],
    ['45s', 45],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseCiDurationS(text)).toBe(seconds);
  });

  it.each(['', 'soon', '10 parsecs', '1h junk'])('rejects %j', (text) => {
    expect(parseCiDurationS(text)).toBeUndefined();
  });
});
