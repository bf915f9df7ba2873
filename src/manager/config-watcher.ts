/**
 * `spotrunner run` watches its config file: on a change (debounced) the file is loaded again and
 * handed to the manager, which re-applies policies. A file that no longer loads is logged and the
 * previous config kept.
 */
import { watch, type FSWatcher } from 'node:fs';
import { loadConfig } from '../config/index.js';
import type { CompiledConfig } from '../config/types.js';
import type { Clock } from '../platform/clock.js';
import { describeError, SpotrunnerError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { createPart, type ManagerPart } from './parts.js';

export interface ConfigWatcherOptions {
  file: string;
  env: Readonly<Record<string, string | undefined>>;
  onConfig: (config: CompiledConfig) => void;
  debounceMs?: number;
}

export interface ConfigWatcherStatus {
  file: string;
  reloads: number;
  failedReloads: number;
}

export function createConfigWatcher(
  deps: { clock: Clock; logger: Logger },
  options: ConfigWatcherOptions,
): ManagerPart<ConfigWatcherStatus> {
  const { file } = options;
  let watcher: FSWatcher | undefined;
  let cancel: (() => void) | undefined;
  let reloads = 0;
  let failedReloads = 0;
  const reload = (): void => {
    loadConfig(file, { env: options.env })
      .then(({ config }) => {
        options.onConfig(config);
        reloads++;
        deps.logger.info({ file }, 'config reloaded');
      })
      .catch((err: unknown) => {
        failedReloads++;
        deps.logger.error(
          { file, err: describeError(err) },
          'config reload failed; keeping the previous config',
        );
      });
  };
  return createPart('config-watcher', {
    start: () => {
      try {
        watcher = watch(file, () => {
          cancel?.();
          cancel = deps.clock.schedule(options.debounceMs ?? 500, reload);
        });
      } catch (err: unknown) {
        throw new SpotrunnerError(
          'state',
          `cannot watch the config file (${describeError(err)}); reload needs a restart`,
          { cause: err },
        );
      }
    },
    stop: () => {
      cancel?.();
      watcher?.close();
    },
    status: () => ({ file, reloads, failedReloads }),
  });
}
