import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { UserError } from '../platform/errors.js';
import { upsertRunnerEntry, type RunnerEntryInput } from './upsert-runner.js';
import { parseConfig } from './load-config.js';
import { SEED_004_ENV } from './testdata/seed-env.js';

const SEED_004 = readFileSync(new URL('./testdata/seed-004.toml', import.meta.url), 'utf8');

const ENTRY: RunnerEntryInput = {
  name: 'spot-arm',
  url: 'https://gitlab.com',
  token: 'glrt-t1_newToken123',
  id: 777,
  tokenObtainedAtMs: Date.UTC(2025, 8, 1, 10, 0, 0),
  executor: 'docker-autoscaler',
};

/** Lines of `after` that differ from `before` (same line count assumed). */
function changedLines(before: string, after: string): [number, string][] {
  const a = before.split('\n');
  return after
    .split('\n')
    .map((line, i): [number, string] => [i + 1, line])
    .filter(([i, line]) => a[i - 1] !== line);
}

describe('upsertRunnerEntry on seed 004', () => {
  it('appends a new [[runners]] block and leaves every existing byte alone', () => {
    const out = upsertRunnerEntry(SEED_004, ENTRY);
    expect(out.startsWith(SEED_004)).toBe(true);
    expect(out.slice(SEED_004.length)).toBe(
      [
        '',
        '[[runners]]',
        '  name = "spot-arm"',
        '  url = "https://gitlab.com"',
        '  id = 777',
        '  token = "glrt-t1_newToken123"',
        '  token_obtained_at = 2025-09-01T10:00:00Z',
        '  token_expires_at = 0001-01-01T00:00:00Z',
        '  executor = "docker-autoscaler"',
        '',
      ].join('\n'),
    );
    const env = { ...SEED_004_ENV };
    const text = `${out}  [runners.autoscaler]\n    plugin = "aws"\n    [runners.autoscaler.plugin_config]\n      name = "asg"\n`;
    const { config } = parseConfig(text, 'config.toml', env);
    expect(config.runners).toHaveLength(3);
    expect(config.runners[2]).toMatchObject({
      name: 'spot-arm',
      id: 777,
      token: 'glrt-t1_newToken123',
    });
  });

  it('rotates a token found by its current value without touching other lines', () => {
    const text = SEED_004.replace(
      'token = "${docker_registration_token}"',
      'token = "glrt-old"  # rotated by hand',
    );
    const out = upsertRunnerEntry(text, {
      ...ENTRY,
      token: 'glrt-old',
      id: 402,
      tokenObtainedAtMs: Date.UTC(2025, 9, 1),
      tokenExpiresAtMs: Date.UTC(2026, 0, 1),
    });
    expect(changedLines(text, out)).toEqual([
      [61, 'id = 402'],
      [64, 'token_obtained_at = 2025-10-01T00:00:00Z'],
      [65, 'token_expires_at = 2026-01-01T00:00:00Z'],
    ]);
  });

  it('refuses to write a token over a ${…} placeholder', () => {
    const text = SEED_004.replace(/name = "\$\{runner_name\}"/g, 'name = "walli"').replace(
      /url = "\$\{gitlab_url\}"/,
      'url = "https://gitlab.com"',
    );
    expect(() => upsertRunnerEntry(text, { ...ENTRY, name: 'walli' })).toThrow(UserError);
    expect(() => upsertRunnerEntry(text, { ...ENTRY, name: 'walli' })).toThrow(
      /registration_token/,
    );
  });
});

describe('upsertRunnerEntry on small files', () => {
  const FILE = [
    'concurrent = 4 # global',
    '',
    '[[runners]]',
    '  name = "a"',
    '  url = "https://gitlab.com"',
    '  token = "glrt-one"   # keep this comment',
    '  executor = "shell"',
    '  [runners.cache]',
    '    Type = "s3"',
    '',
  ].join('\n');

  it('updates the entry with the same url and name and inserts missing keys after the token', () => {
    const out = upsertRunnerEntry(FILE, { ...ENTRY, name: 'a', token: 'glrt-two', id: 5 });
    expect(out).toBe(
      [
        'concurrent = 4 # global',
        '',
        '[[runners]]',
        '  name = "a"',
        '  url = "https://gitlab.com"',
        '  token = "glrt-two"   # keep this comment',
        '  id = 5',
        '  token_obtained_at = 2025-09-01T10:00:00Z',
        '  token_expires_at = 0001-01-01T00:00:00Z',
        '  executor = "shell"',
        '  [runners.cache]',
        '    Type = "s3"',
        '',
      ].join('\n'),
    );
    expect(parse(out)).toMatchObject({ runners: [{ token: 'glrt-two', id: 5 }] });
  });

  it('keeps CRLF line endings', () => {
    const crlf = FILE.replace(/\n/g, '\r\n');
    const updated = upsertRunnerEntry(crlf, { ...ENTRY, name: 'a', token: 'glrt-two', id: 5 });
    expect(updated.replace(/\r\n/g, '')).not.toContain('\n');
    const appended = upsertRunnerEntry(crlf, ENTRY);
    expect(appended.startsWith(crlf)).toBe(true);
    expect(appended.slice(crlf.length).replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('writes a first entry into an empty file, with extra TOML', () => {
    const out = upsertRunnerEntry('', {
      ...ENTRY,
      extraToml: '  [runners.autoscaler]\n    plugin = "aws"\n',
    });
    expect(parse(out)).toMatchObject({
      runners: [{ name: 'spot-arm', executor: 'docker-autoscaler', autoscaler: { plugin: 'aws' } }],
    });
  });

  it('refuses to guess between two entries with the same url and name', () => {
    const twice = `${FILE}${FILE.slice(FILE.indexOf('[[runners]]')).replace('glrt-one', 'glrt-other')}`;
    expect(() => upsertRunnerEntry(twice, { ...ENTRY, name: 'a', token: 'glrt-new' })).toThrow(
      /several/,
    );
    expect(upsertRunnerEntry(twice, { ...ENTRY, name: 'a', token: 'glrt-other' })).toContain(
      'token = "glrt-other"',
    );
  });
});
