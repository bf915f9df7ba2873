/**
 * packaging/systemd: the unit passes `systemd-analyze verify` (in a scratch root holding the
 * system's units and a stand-in /usr/local/bin/spotrunner, without a warning), carries the
 * hardening and stop settings the manager needs, and its sysusers file creates the user it runs as.
 */
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/config/defaults.js';
import { REPO_ROOT } from './support/pack-tarball.js';

const UNIT = join(REPO_ROOT, 'packaging', 'systemd', 'spotrunner.service');
const SYSUSERS = join(REPO_ROOT, 'packaging', 'systemd', 'spotrunner.sysusers');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `[Section]` → key → values (a key may repeat). Comments and blank lines dropped. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 0) throw new Error(`unexpected line: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'spotrunner-systemd-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('packaging/systemd/spotrunner.service', () => {
  it('passes systemd-analyze verify without a warning', async () => {
    await mkdir(join(root, 'usr', 'local', 'bin'), { recursive: true });
    await mkdir(join(root, 'etc', 'systemd', 'system'), { recursive: true });
    await cp('/usr/lib/systemd/system', join(root, 'usr', 'lib', 'systemd', 'system'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    const bin = join(root, 'usr', 'local', 'bin', 'spotrunner');
    await writeFile(bin, '#!/bin/sh\n');
    await chmod(bin, 0o755);
    await cp(UNIT, join(root, 'etc', 'systemd', 'system', 'spotrunner.service'));
    const verify = await run('systemd-analyze', ['verify', `--root=${root}`, 'spotrunner.service']);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
  });

  it('runs unprivileged, hardened, with its state writable and everything else read-only', async () => {
    const service = parseUnit(await readFile(UNIT, 'utf8')).get('Service')!;
    const one = (key: string): string | undefined => service.get(key)?.at(-1);
    expect(one('User')).toBe('spotrunner');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ReadWritePaths')?.split(/\s+/)).toContain('/var/lib/spotrunner');
    expect(one('StateDirectory')).toBe('spotrunner');
    for (const key of ['NoNewPrivileges', 'PrivateTmp', 'ProtectHome', 'PrivateDevices']) {
      expect(one(key), key).toBe('yes');
    }
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('ExecStart')).toBe(
      '/usr/local/bin/spotrunner run --config /etc/spotrunner/config.toml --state-dir /var/lib/spotrunner',
    );
  });

  it('stops gracefully: SIGQUIT to the manager only, for longer than shutdown_timeout', async () => {
    const service = parseUnit(await readFile(UNIT, 'utf8')).get('Service')!;
    expect(service.get('KillSignal')).toEqual(['SIGQUIT']);
    expect(service.get('KillMode')).toEqual(['mixed']);
    expect(service.get('Restart')).toEqual(['on-failure']);
    const stopSec = Number(service.get('TimeoutStopSec')?.[0]);
    expect(stopSec * 1000).toBeGreaterThan(DEFAULTS.shutdownTimeoutMs);
  });

  it('names a user its sysusers file creates', async () => {
    const users = await run('systemd-sysusers', [`--root=${root}`, '--dry-run', SYSUSERS]);
    expect(users.code).toBe(0);
    expect(users.stderr).toContain("Creating user 'spotrunner'");
  });
});
