/**
 * Where a stage script runs. `ExecTarget`: `docker exec` of a shell in the long-lived helper
 * container. `BuildContainer`: a container of the job image started with its entrypoint and
 * a shell that waits for the script on stdin (so it can be started ahead of time, while the
 * sources are fetched). Scripts always travel on stdin — never in argv, env or labels,
 * which `docker inspect` would show. Stopping runs the kill script (TERM to the stage's
 * process group, then KILL) inside the same container; aborting kills outright.
 */
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from '../../platform/logger.js';
import { describeDockerError } from './docker-errors.js';
import { demuxDockerStream } from './stream-demux.js';

export interface StageTarget {
  /** Runs the script; the exit code, or null when it cannot be known (stream cut). */
  run(script: string, onOutput: (chunk: Buffer) => void): Promise<number | null>;
  /** Stops the running stage gracefully: the kill script with a TERM → KILL grace. */
  stop(killScript: string): Promise<void>;
  /** Ends the stage at once (`killNowScript`: the kill script without grace); `run` settles soon after. */
  abort(killNowScript: string): Promise<void>;
}

/** gitlab-runner's shell detection for build containers: bash when the image has it, else sh. */
export const DETECT_SHELL_SCRIPT = [
  'if [ -x /usr/local/bin/bash ]; then exec /usr/local/bin/bash -s',
  'elif [ -x /usr/bin/bash ]; then exec /usr/bin/bash -s',
  'elif [ -x /bin/bash ]; then exec /bin/bash -s',
  'elif [ -x /usr/local/bin/sh ]; then exec /usr/local/bin/sh -s',
  'elif [ -x /usr/bin/sh ]; then exec /usr/bin/sh -s',
  'elif [ -x /bin/sh ]; then exec /bin/sh -s',
  'elif [ -x /busybox/sh ]; then exec /busybox/sh -s',
  'else echo shell not found; exit 1',
  'fi',
].join('\n');

export const DETECT_SHELL_COMMAND = ['sh', '-c', DETECT_SHELL_SCRIPT];

/**
 * Resolves when the stream is over: `true` when the daemon ended it (the process closed its
 * output), `false` when it was cut (destroyed here, or the tunnel broke).
 */
function streamEnded(stream: Duplex): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let ended = false;
    stream.once('end', () => {
      ended = true;
      resolve(true);
    });
    stream.once('close', () => resolve(ended));
    stream.once('error', reject);
  });
}

/** Runs `command` in a running container with `input` on stdin; resolves with its exit code. */
export async function execWithInput(
  container: Docker.Container,
  command: string[],
  input: string,
  onOutput: (chunk: Buffer) => void,
  onStream?: (stream: Duplex) => void,
): Promise<number | null> {
  const exec = await container.exec({
    Cmd: command,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: true });
  // A late error (write after the process ended) is reported by `ended` or not at all.
  stream.on('error', () => undefined);
  onStream?.(stream);
  demuxDockerStream(stream, onOutput);
  const ended = streamEnded(stream);
  stream.end(input);
  await ended;
  const info = await exec.inspect();
  return info.Running ? null : info.ExitCode;
}

/** Stages run by `docker exec` in a container that stays up for the whole job. */
export class ExecTarget implements StageTarget {
  readonly #container: Docker.Container;
  readonly #shell: string[];
  readonly #logger: Logger;
  #stream: Duplex | undefined;

  constructor(container: Docker.Container, shell: string[], logger: Logger) {
    this.#container = container;
    this.#shell = shell;
    this.#logger = logger;
  }

  async run(script: string, onOutput: (chunk: Buffer) => void): Promise<number | null> {
    try {
      return await execWithInput(this.#container, this.#shell, script, onOutput, (s) => {
        this.#stream = s;
      });
    } finally {
      this.#stream = undefined;
    }
  }

  async stop(killScript: string): Promise<void> {
    await runKillScript(this.#container, killScript, this.#logger);
  }

  async abort(killNowScript: string): Promise<void> {
    await runKillScript(this.#container, killNowScript, this.#logger);
    this.#stream?.destroy();
  }
}

/** A build container started ahead of its stage, its shell waiting for the script on stdin. */
export class BuildContainer implements StageTarget {
  readonly #container: Docker.Container;
  readonly #stream: Duplex;
  readonly #logger: Logger;
  readonly #early: Buffer[] = [];
  /** Watched from the start: an entrypoint that exits at once ends the stream before `run`. */
  readonly #ended: Promise<boolean>;
  #onOutput: ((chunk: Buffer) => void) | undefined;

  private constructor(container: Docker.Container, stream: Duplex, logger: Logger) {
    this.#container = container;
    this.#stream = stream;
    this.#logger = logger;
    this.#ended = streamEnded(stream);
    this.#ended.catch(() => undefined);
    stream.on('error', (err) => logger.debug({ err: err.message }, 'build container stream error'));
    // Output before the stage begins (an image entrypoint's banner) is kept for the stage.
    demuxDockerStream(stream, (chunk) => {
      if (this.#onOutput) this.#onOutput(chunk);
      else this.#early.push(chunk);
    });
  }

  /** Attaches to a created container and starts it. */
  static async start(container: Docker.Container, logger: Logger): Promise<BuildContainer> {
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as Duplex;
    const build = new BuildContainer(container, stream, logger);
    await container.start();
    return build;
  }

  get id(): string {
    return this.#container.id;
  }

  async run(script: string, onOutput: (chunk: Buffer) => void): Promise<number | null> {
    this.#onOutput = onOutput;
    for (const chunk of this.#early.splice(0)) onOutput(chunk);
    if (this.#stream.writable) this.#stream.end(script);
    if (!(await this.#ended)) throw new Error('the attach stream of the build container was cut');
    const result = (await this.#container.wait()) as { StatusCode?: unknown };
    return typeof result.StatusCode === 'number' ? result.StatusCode : null;
  }

  async stop(killScript: string): Promise<void> {
    await runKillScript(this.#container, killScript, this.#logger);
  }

  async abort(_killNowScript: string): Promise<void> {
    try {
      await this.#container.kill();
    } catch (err: unknown) {
      // Already stopped (409) or gone (404): nothing left to kill.
      this.#logger.debug({ err: describeDockerError(err) }, 'build container kill failed');
    }
    this.#stream.destroy();
  }
}

async function runKillScript(
  container: Docker.Container,
  killScript: string,
  logger: Logger,
): Promise<void> {
  try {
    const code = await execWithInput(container, ['sh', '-s'], killScript, () => undefined);
    if (code !== 0) logger.warn({ exitCode: code }, 'stage kill script failed');
  } catch (err: unknown) {
    logger.warn({ err: describeDockerError(err) }, 'cannot run the stage kill script');
  }
}
