import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { killWrappedCommand, shellQuote, wrapForKill } from './kill-wrapper.js';

function sh(command: string, input = ''): string {
  return execFileSync('sh', ['-c', command], {
    input,
    env: { PATH: '/usr/bin:/bin', SHELL: '/bin/sh' },
  }).toString();
}

describe('kill wrapper command lines', () => {
  it('quotes any text as one shell word', () => {
    for (const text of [`it's`, `a "b" $c \`d\``, `\n'\\'`]) {
      expect(sh(`printf %s ${shellQuote(text)}`)).toBe(text);
    }
  });

  it('runs the command with its stdin, output and exit code unchanged', () => {
    const out = sh(`${wrapForKill(`read x; echo "[$x]"; echo 'quoted'"!"`, 'unit1')}`, 'line\n');
    expect(out).toBe('[line]\nquoted!\n');
    let status: unknown;
    try {
      sh(wrapForKill('exit 9', 'unit2'));
    } catch (err: unknown) {
      status = (err as { status?: unknown }).status;
    }
    expect(status).toBe(9);
  });

  it('refuses tokens that could break the pid file name', () => {
    expect(() => wrapForKill('true', '../x')).toThrow();
    expect(() => killWrappedCommand('a b', 'TERM')).toThrow();
  });

  it('does nothing when the pid file never appears', () => {
    expect(sh(killWrappedCommand('never-started', 'KILL'))).toBe('');
  });
});
