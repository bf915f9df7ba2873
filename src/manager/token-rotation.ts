/**
 * Automatic runner token rotation, as gitlab-runner does it (gitlab-runner-protocol.md §1.6): a
 * runner whose token expires gets a new one at `token_obtained_at + 0.75 × (token_expires_at −
 * token_obtained_at)`, and config.toml is rewritten with the new token and dates (only that
 * runner's keys; every other byte stays). A token that is not written literally in the file (it
 * comes from `${VAR}`) is not rotated: the new token could not be saved, and the old one would
 * stop working at the next start. The operator is told when it expires instead.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { upsertRunnerEntry } from '../config/index.js';
import type { CompiledRunner } from '../config/types.js';
import type { TokenReset } from '../gitlab/http/registration.js';
import type { Clock } from '../platform/clock.js';
import { describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';

export interface RotatableRunner {
  runner: CompiledRunner;
  api: { resetToken(signal?: AbortSignal): Promise<TokenReset> };
}

export interface TokenRotationOptions {
  configFile: string;
  runners: readonly RotatableRunner[];
  /** Delay before trying again after a failed reset; default 1 min. */
  retryMs?: number;
}

export interface TokenRotation {
  stop(): void;
}

/** When a token should be reset; undefined for a token that does not expire. */
export function rotationDueAtMs(
  obtainedAtMs: number | undefined,
  expiresAtMs: number | undefined,
  nowMs: number,
): number | undefined {
  if (expiresAtMs === undefined) return undefined;
  if (obtainedAtMs === undefined || obtainedAtMs >= expiresAtMs) return nowMs;
  return obtainedAtMs + 0.75 * (expiresAtMs - obtainedAtMs);
}

export function startTokenRotation(
  deps: { clock: Clock; logger: Logger },
  options: TokenRotationOptions,
): TokenRotation {
  const log = deps.logger.child({ component: 'token-rotation' });
  const stop = new AbortController();
  const cancels: (() => void)[] = [];
  const retryMs = options.retryMs ?? 60_000;

  const schedule = (
    entry: RotatableRunner,
    token: string,
    obtainedAtMs: number | undefined,
    expiresAtMs: number | undefined,
  ): void => {
    const now = deps.clock.now();
    const due = rotationDueAtMs(obtainedAtMs, expiresAtMs, now);
    if (due === undefined || stop.signal.aborted) return;
    cancels.push(
      deps.clock.schedule(Math.max(0, due - now), () => {
        void rotate(entry, token, expiresAtMs!);
      }),
    );
  };

  /** Writes a reset token to config.toml; retried until it is saved (the old one is dead). */
  const save = async (entry: RotatableRunner, reset: TokenReset): Promise<void> => {
    const { runner } = entry;
    try {
      const current = await readFile(options.configFile, 'utf8');
      await writeFile(
        options.configFile,
        upsertRunnerEntry(current, {
          name: runner.name,
          url: runner.url,
          token: reset.token,
          ...(runner.id === undefined ? {} : { id: runner.id }),
          tokenObtainedAtMs: reset.obtainedAtMs,
          ...(reset.tokenExpiresAtMs === undefined
            ? {}
            : { tokenExpiresAtMs: reset.tokenExpiresAtMs }),
          executor: runner.executor,
        }),
      );
    } catch (err: unknown) {
      if (stop.signal.aborted) return;
      log.error(
        {
          runner: runner.name,
          file: options.configFile,
          err: describeError(err),
          retryInMs: retryMs,
        },
        'the new runner token could not be saved to config.toml; GitLab no longer accepts the old one, so this runner would not work after a restart until it is saved',
      );
      cancels.push(deps.clock.schedule(retryMs, () => void save(entry, reset)));
      return;
    }
    log.info(
      {
        runner: runner.name,
        file: options.configFile,
        ...(reset.tokenExpiresAtMs === undefined
          ? {}
          : { expiresAt: new Date(reset.tokenExpiresAtMs).toISOString() }),
      },
      'runner token rotated and saved',
    );
    schedule(entry, reset.token, reset.obtainedAtMs, reset.tokenExpiresAtMs);
  };

  const rotate = async (
    entry: RotatableRunner,
    token: string,
    expiresAtMs: number,
  ): Promise<void> => {
    const { runner } = entry;
    let reset: TokenReset;
    try {
      const text = await readFile(options.configFile, 'utf8');
      if (!text.includes(token)) {
        log.warn(
          { runner: runner.name, expiresAt: new Date(expiresAtMs).toISOString() },
          'runner token is not written in config.toml (set through a variable?), so it is not rotated: reset it in GitLab and update it before it expires',
        );
        return;
      }
      reset = await entry.api.resetToken(stop.signal);
    } catch (err: unknown) {
      if (stop.signal.aborted) return;
      const left = expiresAtMs - deps.clock.now();
      log.error(
        { runner: runner.name, err: describeError(err), expiresInMs: left, retryInMs: retryMs },
        'runner token rotation failed',
      );
      if (left > 0) {
        cancels.push(deps.clock.schedule(retryMs, () => void rotate(entry, token, expiresAtMs)));
      }
      return;
    }
    await save(entry, reset);
  };

  for (const entry of options.runners) {
    const { runner } = entry;
    if (runner.token)
      schedule(entry, runner.token, runner.tokenObtainedAtMs, runner.tokenExpiresAtMs);
  }
  return {
    stop() {
      stop.abort();
      for (const cancel of cancels) cancel();
    },
  };
}
