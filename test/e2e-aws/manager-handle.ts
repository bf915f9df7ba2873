/**
 * The manager under test, either in this process (`startManager`) or as a child process
 * (`node bin/spotrunner.js run --config …`) when a test needs to kill or signal it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startManager, type StartedManager } from '../../src/app/start-manager.js';
import { loadConfig } from '../../src/config/index.js';
import { SystemClock } from '../../src/platform/clock.js';
import { MemoryLogger } from '../../src/platform/logger.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const clock = new SystemClock();

export interface ManagerHandle {
  readonly kind: 'in-process' | 'process';
  /** Output (child) or log messages (in process) so far, for assertions and failure reports. */
  output(): string;
  /** Ends the manager: a signal to the child, or close(graceMs) in process. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Child only: sends a signal without waiting. */
  signal(signal: NodeJS.Signals): void;
  /** Child only: resolves with the exit code (or signal) once the process has ended. */
  exited(): Promise<number | string | null>;
  started?: StartedManager;
}

export async function startInProcess(
  configFile: string,
  options: { orphanCheckIntervalMs?: number } = {},
): Promise<ManagerHandle> {
  const logs = new MemoryLogger();
  const { config } = await loadConfig(configFile, { env: {} });
  const started = await startManager(
    { clock, logger: logs },
    {
      config,
      version: 'e2e-aws',
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8' },
      ...(options.orphanCheckIntervalMs
        ? { orphanCheckIntervalMs: options.orphanCheckIntervalMs }
        : {}),
    },
  );
  let stopped: Promise<void> | undefined;
  return {
    kind: 'in-process',
    started,
    output: () => logs.records.map((r) => `${r.msg} ${JSON.stringify(r.fields)}`).join('\n'),
    stop: () => (stopped ??= started.close(5_000)),
    signal: () => {
      throw new Error('signal() needs a manager process');
    },
    exited: () => Promise.resolve(0),
  };
}

export function startProcess(configFile: string): ManagerHandle {
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/spotrunner.js', 'run', '--config', configFile],
    { cwd: REPO_ROOT, env: { ...process.env, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
  });
  return {
    kind: 'process',
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exit;
    },
    signal: (s) => {
      child.kill(s);
    },
    exited: () => exit,
  };
}

/** Polls the status server until the manager answers /health as running. */
export async function waitHealthy(
  url: string,
  handle: ManagerHandle,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok && ((await res.json()) as { ok: boolean }).ok) return;
    } catch {
      // not listening yet
    }
    if (clock.now() > deadline)
      throw new Error(`manager did not become healthy:\n${handle.output().slice(-3000)}`);
    await clock.sleep(100);
  }
}
