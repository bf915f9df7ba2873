/**
 * Keeps the unit tier free of real services: a test file outside the e2e folders that starts
 * sshd or the Docker engine must be listed in SYSTEM_TESTS (vitest.config.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { E2E_DIRS, SYSTEM_TESTS } from '../vitest.config.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const STARTS_SERVICE = /\b(startSshd\w*|ensureDocker|ensureTestImages)\s*\(/;

function testFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => path.posix.join(dir, name.split(path.sep).join('/')));
}

function isE2e(file: string): boolean {
  return E2E_DIRS.some((dir) => file.startsWith(`${dir}/`));
}

describe('test tiers', () => {
  const files = [...testFiles('src'), ...testFiles('test')];

  it('lists in SYSTEM_TESTS every test file that starts sshd or dockerd', () => {
    const starters = files.filter(
      (file) => !isE2e(file) && STARTS_SERVICE.test(readFileSync(path.join(root, file), 'utf8')),
    );
    expect(starters.length).toBeGreaterThan(0);
    expect([...SYSTEM_TESTS].sort()).toEqual(starters.sort());
  });
});
