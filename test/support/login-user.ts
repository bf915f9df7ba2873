/**
 * A system user tests can log in as over the test sshd, so that job scripts in tests never run
 * as root: `spotrunner-test`, shell /bin/sh, no password (`*`, not locked: sshd without PAM
 * refuses locked accounts even with a key), home `/nonexistent`. Created with useradd when
 * missing; needs root. Tests pass absolute build directories that this user owns.
 */
import { execFile } from 'node:child_process';
import { lookupUser, type LocalJobUser } from '../../src/providers/local/local-user.js';

export const TEST_LOGIN_USER = 'spotrunner-test';

export async function ensureLoginUser(): Promise<LocalJobUser> {
  const existing = await lookupUser(TEST_LOGIN_USER);
  if (existing) return existing;
  await new Promise<void>((resolve) => {
    const args = ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent'];
    args.push('--shell', '/bin/sh', '--password', '*', TEST_LOGIN_USER);
    // A parallel test file may create it first: look again either way.
    execFile('useradd', args, () => resolve());
  });
  const created = await lookupUser(TEST_LOGIN_USER);
  if (!created) throw new Error(`cannot create the test user ${TEST_LOGIN_USER} (needs root)`);
  return created;
}
