import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/index.js';
import { SystemClock } from '../platform/clock.js';
import { MemoryLogger } from '../platform/logger.js';
import { startManager, type StartedManager } from './start-manager.js';

const TOKEN = 'glrt-do-not-show-me-0123456789';

function configText(dir: string, idleCount: number): string {
  return `concurrent = 2
listen_address = "127.0.0.1:0"
[[runners]]
  name = "local"
  url = "http://127.0.0.1:9"
  token = "${TOKEN}"
  token_obtained_at = 2026-01-01T00:00:00Z
  token_expires_at = 2099-01-01T00:00:00Z
  executor = "instance"
  [runners.autoscaler]
    plugin = "local"
    max_instances = 2
    [runners.autoscaler.plugin_config]
      dir = "${join(dir, 'instances')}"
    [[runners.autoscaler.policy]]
      idle_count = ${idleCount}
      idle_time = "10m"
`;
}

let started: StartedManager | undefined;
let dir: string | undefined;
afterEach(async () => {
  await started?.close(0);
  started = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A manager on a local-instance config (idle_count 0) in a fresh directory, watching its file. */
async function startIn(options: {
  statusServer?: boolean;
}): Promise<{ dir: string; file: string; logger: MemoryLogger; manager: StartedManager }> {
  const made = await mkdtemp(join(tmpdir(), 'spotrunner-start-manager-'));
  dir = made;
  // Local instances run jobs as an unprivileged user when the tests run as root: it must
  // reach the instances' directory inside this one.
  await chmod(made, 0o711);
  const file = join(made, 'config.toml');
  await writeFile(file, configText(made, 0));
  const { config } = await loadConfig(file, { env: {} });
  const logger = new MemoryLogger();
  started = await startManager(
    { clock: new SystemClock(), logger },
    { config, version: 'test', env: {}, configFile: file, ...options },
  );
  return { dir: made, file, logger, manager: started };
}

describe('startManager', () => {
  it('owns every part: /status lists them without the token, and close stops them all', async () => {
    const { manager: m } = await startIn({});
    const parts = (): readonly { name: string; state: string; url?: unknown }[] =>
      m.manager.status().parts;
    expect(parts().map((p) => [p.name, p.state])).toEqual([
      ['state', 'running'],
      ['host-keys', 'running'],
      ['instance-recorder', 'running'],
      ['history', 'running'],
      ['status-server', 'running'],
      ['token-rotation', 'running'],
      ['config-watcher', 'running'],
      ['leftovers', 'running'],
    ]);
    const url = parts().find((p) => p.name === 'status-server')?.url;
    expect(typeof url).toBe('string');
    const body = await (await fetch(`${String(url)}/status`)).text();
    const served = JSON.parse(body) as { parts: { name: string }[] };
    expect(served.parts.map((p) => p.name)).toContain('token-rotation');
    expect(body).not.toContain(TOKEN);

    await m.close(0);
    expect(m.manager.state).toBe('stopped');
    expect(parts().every((p) => p.state === 'stopped')).toBe(true);
    await expect(fetch(`${String(url)}/status`)).rejects.toThrow();
  });

  it('reloads policies when the watched config file changes', async () => {
    const { dir: at, file, logger, manager: m } = await startIn({ statusServer: false });
    await writeFile(file, configText(at, 1));
    await vi.waitFor(() => expect(logger.messages('info')).toContain('config reloaded'), {
      timeout: 10_000,
    });
    expect(m.manager.status().runners[0]?.fleet?.idleTarget).toBe(1);
    const watcher = m.manager.status().parts.find((p) => p.name === 'config-watcher');
    expect(watcher).toMatchObject({ state: 'running', reloads: 1, failedReloads: 0 });
  });
});
