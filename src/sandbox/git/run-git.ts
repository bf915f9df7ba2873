/** Runs git with a controlled environment (no system/global config, no prompts). */
import { execFile } from 'node:child_process';
import { SpotrunnerError } from '../../platform/errors.js';

export interface GitEnv {
  /** `PATH` for git. */
  path: string;
  /** `HOME` for git (keeps the user's global config out). */
  home: string;
}

export interface RunGitOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Exit codes treated as success (besides 0); their output is returned. */
  okCodes?: number[];
}

export interface GitResult {
  stdout: string;
  code: number;
}

export function gitProcessEnv(
  git: GitEnv,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: git.path,
    HOME: git.home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LANG: 'C',
    ...extra,
  };
}

export function runGit(
  git: GitEnv,
  args: string[],
  options: RunGitOptions = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-c', 'safe.directory=*', ...args],
      {
        cwd: options.cwd,
        env: gitProcessEnv(git, options.env),
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (code === 0 || options.okCodes?.includes(code)) {
          resolve({ stdout, code });
          return;
        }
        reject(
          new SpotrunnerError(
            'internal',
            `git ${args[0] ?? ''} failed (${code}): ${stderr.trim().slice(0, 500)}`,
            {
              cause: err,
            },
          ),
        );
      },
    );
  });
}
