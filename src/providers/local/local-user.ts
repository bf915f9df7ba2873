/**
 * The user that local instances run job scripts as. A manager running as root never runs jobs as
 * root: it uses the system user `spotrunner` (created with useradd, or busybox adduser, when
 * missing) and falls back to `nobody`. A manager running as another user runs jobs as itself.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { describeError, SpotrunnerError, UserError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';

export const LOCAL_JOB_USER = 'spotrunner';
const FALLBACK_USER = 'nobody';

export interface LocalJobUser {
  name: string;
  uid: number;
  gid: number;
  /** true when jobs run as another user than the manager (the manager is root). */
  switched: boolean;
}

/** Runs a command; resolves with its stdout, or undefined when it failed or does not exist. */
function run(file: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

function parsePasswdLine(line: string, name: string): LocalJobUser | undefined {
  const [user, , uid, gid] = line.trim().split(':');
  if (user !== name || uid === undefined || gid === undefined) return undefined;
  if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return undefined;
  return { name, uid: Number(uid), gid: Number(gid), switched: true };
}

/** The passwd entry of `name` (NSS through getent, else /etc/passwd). */
export async function lookupUser(name: string): Promise<LocalJobUser | undefined> {
  const entry = await run('getent', ['passwd', name]);
  if (entry !== undefined) return parsePasswdLine(entry, name);
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const found = parsePasswdLine(line, name);
    if (found) return found;
  }
  return undefined;
}

async function createSystemUser(logger: Logger): Promise<LocalJobUser | undefined> {
  const attempts: [string, string[]][] = [
    [
      'useradd',
      [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        '--comment',
        'spotrunner local instance jobs',
        LOCAL_JOB_USER,
      ],
    ],
    ['adduser', ['-S', '-D', '-H', '-h', '/nonexistent', '-s', '/sbin/nologin', LOCAL_JOB_USER]],
  ];
  for (const [file, args] of attempts) {
    const done = await run(file, args);
    // Another provider may have created it a moment ago: look again either way.
    const user = await lookupUser(LOCAL_JOB_USER);
    if (user) {
      if (done !== undefined)
        logger.info({ user: LOCAL_JOB_USER, uid: user.uid }, 'created job user');
      return user;
    }
  }
  return undefined;
}

/** Who runs job scripts on local instances; see the file comment. */
export async function resolveLocalJobUser(logger: Logger): Promise<LocalJobUser> {
  const self = userInfo();
  if (self.uid !== 0) return { name: self.username, uid: self.uid, gid: self.gid, switched: false };
  const user = (await lookupUser(LOCAL_JOB_USER)) ?? (await createSystemUser(logger));
  if (user && user.uid !== 0) return user;
  const fallback = await lookupUser(FALLBACK_USER);
  if (fallback && fallback.uid !== 0) {
    logger.warn(
      { user: FALLBACK_USER, uid: fallback.uid },
      'cannot create the spotrunner user; local instances run jobs as nobody',
    );
    return fallback;
  }
  throw new SpotrunnerError(
    'provider',
    `local instances never run jobs as root, and neither a "${LOCAL_JOB_USER}" nor a "${FALLBACK_USER}" user exists (or can be created with useradd)`,
  );
}

/**
 * Creates `dir` (and parents) and hands it to the job user, so jobs on local instances can
 * write there (a cache_dir shared by every instance). Nothing to do when jobs run as the manager.
 */
export async function grantDirToJobUser(dir: string, user: LocalJobUser): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (!user.switched) return;
  try {
    await chown(dir, user.uid, user.gid);
  } catch (err: unknown) {
    throw new SpotrunnerError('provider', `cannot hand ${dir} to user ${user.name}`, {
      cause: describeError(err),
    });
  }
}

/** Lets every user search (not list) `dir`: the job user passes through to its own directories. */
export async function allowSearch(dir: string): Promise<void> {
  const mode = (await stat(dir)).mode & 0o7777;
  if ((mode & 0o011) !== 0o011) await chmod(dir, mode | 0o011);
}

/**
 * Lets the job user reach its instance directories inside the provider's `dir` (search
 * permission only: each instance directory is its own, mode 0700), and fails with a clear
 * message when a parent of `dir` still stops it.
 */
export async function openDirToJobUser(dir: string, user: LocalJobUser): Promise<void> {
  await allowSearch(dir);
  const reachable = await new Promise<boolean>((resolve) => {
    const probe = spawn('/bin/sh', ['-c', 'cd "$1"', 'sh', dir], {
      cwd: '/',
      uid: user.uid,
      gid: user.gid,
      stdio: 'ignore',
    });
    probe.once('error', () => resolve(false));
    probe.once('exit', (code) => resolve(code === 0));
  });
  if (!reachable) {
    throw new UserError(
      `local instances run jobs as user ${user.name} (uid ${user.uid}), who cannot reach ${dir}: ` +
        'let that user search its parent directories (chmod o+x) or set plugin_config.dir elsewhere',
      'config_invalid',
    );
  }
}
