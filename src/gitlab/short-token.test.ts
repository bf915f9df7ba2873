import { describe, expect, it } from 'vitest';
import { isCreatedRunnerToken, maskToken, shortenToken } from './short-token.js';

describe('shortenToken', () => {
  it.each([
    ['glrt-t1_t9Wkyj-HGRkqQ-VWTGAr', 't9Wkyj-HG'],
    ['glrt-t9Wkyj-HGRkqQ-VWTGAr', 't9Wkyj-HG'],
    ['glrtr-abcdefghijklmnop', 'abcdefghi'],
    ['glcbt-64_Zx9yW3vQ8rTgS2n1aBcD', '64_Zx9yW3'],
    ['t2_0123456789abcdef', '012345678'],
    ['GR1348941Z196cJVywzZpx_Ki_Cn2', 'Z196cJVyw'],
    ['GRveryverylongtoken', 'GRveryver'],
    ['veryverylongtoken', 'veryveryl'],
    ['short', 'short'],
  ])('shortens %s to %s', (token, short) => {
    expect(shortenToken(token)).toBe(short);
  });
});

describe('maskToken', () => {
  it('keeps the known prefix and the last four characters only', () => {
    expect(maskToken('glrt-t1_t9Wkyj-HGRkqQ-VWTGAr')).toBe('glrt-t1_…TGAr');
    expect(maskToken('glpat-abcdefghijklmnopqrst')).toBe('glpat-…qrst');
    expect(maskToken('plainrandomtokenvalue1234')).toBe('…1234');
  });

  it('shows nothing of a token too short to hide', () => {
    expect(maskToken('glrt-abc')).toBe('glrt-…');
    expect(maskToken(undefined)).toBe('(none)');
  });

  it('never contains the whole token', () => {
    const token = 'glrt-t3_AAAABBBBCCCCDDDD';
    expect(maskToken(token)).not.toContain(token.slice(5));
  });
});

describe('isCreatedRunnerToken', () => {
  it('recognises only the literal glrt- prefix', () => {
    expect(isCreatedRunnerToken('glrt-t1_x')).toBe(true);
    expect(isCreatedRunnerToken('acme-glrt-x')).toBe(false);
    expect(isCreatedRunnerToken('GR1348941x')).toBe(false);
  });
});
