import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, upsertRunnerEntry } from '../config/index.js';
import type { CompiledRunner } from '../config/types.js';
import { createGitLabClient } from '../gitlab/index.js';
import { SystemClock, VirtualClock } from '../platform/clock.js';
import { MemoryLogger, silentLogger } from '../platform/logger.js';
import { startHarness, type Harness } from '../sandbox/testing/sandbox-harness.js';
import { rotationDueAtMs, startTokenRotation, type TokenRotation } from './token-rotation.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const HOUR = 3_600_000;

let h: Harness | undefined;
let rotation: TokenRotation | undefined;
afterEach(async () => {
  rotation?.stop();
  rotation = undefined;
  await h?.close();
  h = undefined;
});

function client(url: string, token: string) {
  return createGitLabClient(
    { clock: new SystemClock(), logger: silentLogger },
    { url, token, systemId: 's_rotation01', info: { version: 'test', executor: 'instance' } },
  );
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The embedded server with nothing queued, handing out runner tokens that live an hour. */
function startExpiringTokenServer(clock: VirtualClock): Promise<Harness> {
  return startHarness({
    ci: 'build:\n  script: [true]\n',
    clock,
    pipeline: false,
    server: { runnerTokenTtlS: 3600 },
  });
}

describe('runner token rotation', () => {
  it('is due at three quarters of the token life, at once without an obtained time, never without expiry', () => {
    expect(rotationDueAtMs(T0, T0 + 4 * HOUR, T0)).toBe(T0 + 3 * HOUR);
    expect(rotationDueAtMs(undefined, T0 + 4 * HOUR, T0 + 5)).toBe(T0 + 5);
    expect(rotationDueAtMs(T0, undefined, T0)).toBeUndefined();
  });

  it('resets an expiring token at 75% of its life and saves it in config.toml', async () => {
    const clock = new VirtualClock(T0);
    h = await startExpiringTokenServer(clock);
    const file = join(h.dir, 'config.toml');
    const header = '# managed by hand\nconcurrent = 2\n\n';
    await writeFile(
      file,
      upsertRunnerEntry(header, {
        name: 'rot',
        url: h.url,
        token: h.runnerToken,
        tokenObtainedAtMs: T0,
        tokenExpiresAtMs: T0 + HOUR,
        executor: 'shell',
      }),
    );
    const { config } = await loadConfig(file, { env: {} });
    const runner = config.runners[0]!;
    expect(runner.tokenExpiresAtMs).toBe(T0 + HOUR);
    const api = client(h.url, h.runnerToken);
    const logs = new MemoryLogger();
    rotation = startTokenRotation(
      { clock, logger: logs },
      { configFile: file, runners: [{ runner, api }] },
    );

    await clock.advance(44 * 60_000);
    expect(await readFile(file, 'utf8')).toContain(h.runnerToken);
    await clock.advance(60_000);
    await until('the rotated token in config.toml', async () => {
      return !(await readFile(file, 'utf8')).includes(h!.runnerToken);
    });

    const saved = await loadConfig(file, { env: {} });
    const next = saved.config.runners[0]!;
    expect(next.token).not.toBe(h.runnerToken);
    expect(next.token).toMatch(/^glrt-/);
    expect(next.tokenExpiresAtMs).toBe(T0 + 45 * 60_000 + HOUR);
    expect(await readFile(file, 'utf8')).toMatch(/^# managed by hand\nconcurrent = 2\n/);
    // The client uses the new token; the old one is refused by GitLab.
    expect((await api.verify()).valid).toBe(true);
    expect((await client(h.url, h.runnerToken).verify()).valid).toBe(false);
    const record = logs.records.find((r) => r.msg === 'runner token rotated and saved');
    expect(record?.fields).toMatchObject({ runner: 'rot' });
    expect(JSON.stringify(logs.records)).not.toContain(next.token);
  });

  it('keeps trying to save a reset token it could not write, without resetting again', async () => {
    const clock = new VirtualClock(T0);
    h = await startHarness({ ci: 'build:\n  script: [true]\n', clock, pipeline: false });
    const file = join(h.dir, 'config.toml');
    const entry = {
      name: 'rot',
      url: h.url,
      token: 'glrt-old-token-0123456789',
      tokenObtainedAtMs: T0,
      tokenExpiresAtMs: T0 + HOUR,
      executor: 'shell' as const,
    };
    await writeFile(file, upsertRunnerEntry('concurrent = 1\n', entry));
    const { config } = await loadConfig(file, { env: {} });
    let resets = 0;
    const api = {
      // GitLab answers while the file is away (moved by an operator, a full disk…).
      resetToken: async () => {
        resets++;
        await rename(file, `${file}.away`);
        return { token: 'glrt-new-token-9876543210', obtainedAtMs: clock.now() };
      },
    };
    const logs = new MemoryLogger();
    rotation = startTokenRotation(
      { clock, logger: logs },
      { configFile: file, runners: [{ runner: config.runners[0]!, api }], retryMs: 60_000 },
    );
    await clock.advance(45 * 60_000);
    await until('the save failure', () =>
      Promise.resolve(logs.records.some((r) => r.level === 'error')),
    );
    expect(logs.records.find((r) => r.level === 'error')?.msg).toMatch(/could not be saved/);
    await rename(`${file}.away`, file);
    await clock.advance(60_000);
    await until('the saved token', async () =>
      (await readFile(file, 'utf8')).includes('glrt-new-token-9876543210'),
    );
    expect(resets).toBe(1);
    expect(JSON.stringify(logs.records)).not.toContain('glrt-new-token');
  });

  it('does not rotate a token that comes from a variable, and says so', async () => {
    const clock = new VirtualClock(T0);
    h = await startExpiringTokenServer(clock);
    const file = join(h.dir, 'config.toml');
    await writeFile(
      file,
      `concurrent = 1\n[[runners]]\n  name = "env"\n  url = "${h.url}"\n  token = "\${RUNNER_TOKEN}"\n  token_obtained_at = 2026-11-23T08:00:00Z\n  token_expires_at = 2026-11-23T09:00:00Z\n  executor = "shell"\n`,
    );
    const { config } = await loadConfig(file, { env: { RUNNER_TOKEN: h.runnerToken } });
    const runner: CompiledRunner = config.runners[0]!;
    const logs = new MemoryLogger();
    rotation = startTokenRotation(
      { clock, logger: logs },
      { configFile: file, runners: [{ runner, api: client(h.url, h.runnerToken) }] },
    );
    await clock.advance(46 * 60_000);
    await until('the warning', () => Promise.resolve(logs.records.some((r) => r.level === 'warn')));
    expect(logs.records.find((r) => r.level === 'warn')?.msg).toMatch(/not rotated/);
    expect((await client(h.url, h.runnerToken).verify()).valid).toBe(true);
    expect(await readFile(file, 'utf8')).toContain('${RUNNER_TOKEN}');
  });
});
