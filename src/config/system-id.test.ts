import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../platform/random.js';
import { generateSystemId, loadOrCreateSystemId, SYSTEM_ID_FILE } from './system-id.js';

describe('loadOrCreateSystemId', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-sysid-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('derives s_ + 12 hex of HMAC-SHA256(machine id, "gitlab-runner") and saves it with mode 0600', async () => {
    const machineId = '0123456789abcdef0123456789abcdef';
    const expected = `s_${createHmac('sha256', machineId).update('gitlab-runner').digest('hex').slice(0, 12)}`;
    const result = await loadOrCreateSystemId(dir, { readMachineId: () => `${machineId}\n` });
    expect(result).toEqual({ systemId: expected, created: true });
    expect(await readFile(join(dir, SYSTEM_ID_FILE), 'utf8')).toBe(expected);
    expect((await stat(join(dir, SYSTEM_ID_FILE))).mode & 0o777).toBe(0o600);
  });

  it('falls back to r_ + 12 random alphanumerics without a machine id', async () => {
    const random = new SeededRandom(7);
    const result = await loadOrCreateSystemId(dir, {
      readMachineId: () => undefined,
      random: () => random.next(),
    });
    expect(result.systemId).toMatch(/^r_[0-9a-zA-Z]{12}$/);
  });

  it('reuses a valid saved id (whitespace trimmed) without writing', async () => {
    await writeFile(join(dir, SYSTEM_ID_FILE), '  r_AbCdEf123456\n');
    const result = await loadOrCreateSystemId(dir, { readMachineId: () => 'machine' });
    expect(result).toEqual({ systemId: 'r_AbCdEf123456', created: false });
    expect(await readFile(join(dir, SYSTEM_ID_FILE), 'utf8')).toBe('  r_AbCdEf123456\n');
  });

  it('replaces an invalid saved id', async () => {
    await writeFile(join(dir, SYSTEM_ID_FILE), 'x_notvalid', { mode: 0o644 });
    const result = await loadOrCreateSystemId(dir, { readMachineId: () => 'machine' });
    expect(result.created).toBe(true);
    expect(result.systemId).toMatch(/^s_[0-9a-f]{12}$/);
    expect(await readFile(join(dir, SYSTEM_ID_FILE), 'utf8')).toBe(result.systemId);
    expect((await stat(join(dir, SYSTEM_ID_FILE))).mode & 0o777).toBe(0o600);
  });

  it('still returns an id, with a warning, when it cannot be saved', async () => {
    const notADir = join(dir, 'file');
    await writeFile(notADir, '');
    const result = await loadOrCreateSystemId(notADir, { readMachineId: () => 'machine' });
    expect(result.systemId).toMatch(/^s_[0-9a-f]{12}$/);
    expect(result.warning).toMatch(/could not save/);
  });
});

describe('generateSystemId', () => {
  it('is stable for one machine id', () => {
    const random = (): number => 0.5;
    expect(generateSystemId('abc', random)).toBe(generateSystemId('abc', random));
    expect(generateSystemId('abc', random)).not.toBe(generateSystemId('abd', random));
  });
});
