import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { commitDescription } from './predefined-variables.js';
import { parseDotenvReport } from './dotenv-report.js';

const gz = (text: string): Buffer => gzipSync(text);

describe('dotenv reports (Ci::ParseDotenvArtifactService)', () => {
  it('splits each line at the first =, strips both sides, keeps quotes and the last repeated key', () => {
    const result = parseDotenvReport(gz('A=1\nURL = http://x/?a=b \nQ="two words"\nA=2'), 'gzip');
    expect(result).toEqual({
      ok: true,
      variables: [
        { key: 'A', value: '2' },
        { key: 'URL', value: 'http://x/?a=b' },
        { key: 'Q', value: '"two words"' },
      ],
    });
  });

  it('reads every member of a multi-file gzip stream and strips a byte order mark', () => {
    const data = Buffer.concat([gz('\uFEFFA=1\n'), gz('B=2\n')]);
    expect(parseDotenvReport(data, 'gzip')).toMatchObject({
      variables: [{ key: 'A' }, { key: 'B' }],
    });
  });

  it('refuses empty lines, comments and keys with other characters, as GitLab does', () => {
    expect(parseDotenvReport(gz('A=1\n\nB=2\n'), 'gzip')).toEqual({
      ok: false,
      message: 'Invalid Format',
    });
    expect(parseDotenvReport(gz('# note=x\n'), 'gzip')).toMatchObject({
      ok: false,
      message: expect.stringContaining('Key can contain only letters, digits') as unknown,
    });
    expect(parseDotenvReport(gz('MY-KEY=1\n'), 'gzip')).toMatchObject({ ok: false });
  });

  it('refuses more than 20 variables and a stored file of 5 KB or more', () => {
    const many = Array.from({ length: 21 }, (_, i) => `V${i}=x`).join('\n');
    expect(parseDotenvReport(gz(many), 'gzip')).toEqual({
      ok: false,
      message: 'Dotenv files cannot have more than 20 variables',
    });
    expect(parseDotenvReport(Buffer.alloc(5 * 1024, 'A'), 'raw')).toEqual({
      ok: false,
      message: 'Dotenv Artifact Too Big. Maximum Allowable Size: 5120',
    });
  });
});

describe('CI_COMMIT_DESCRIPTION (Commit#description)', () => {
  it('is the message without its title, or the whole message when the title is 100+ long', () => {
    expect(commitDescription('Fix it')).toBe('');
    expect(commitDescription('Fix it\n\nBecause.\n')).toBe('\nBecause.');
    const long = `${'x'.repeat(100)}\nbody`;
    expect(commitDescription(long)).toBe(long);
  });
});
