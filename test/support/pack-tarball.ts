/**
 * `npm pack` as a release would run it, without touching the checkout: the package's sources are
 * copied into a temporary directory (node_modules linked), `npm pack` runs there (its `prepack`
 * cleans and builds dist/), and the tarball lands in `dest`. The checkout's own dist/ is never
 * removed under a test that may be using it.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What `npm pack` needs from the checkout: the package manifest, build inputs and `files`. */
const PACK_INPUTS = [
  'package.json',
  'package-lock.json',
  'README.md',
  'tsconfig.json',
  'tsconfig.build.json',
  'bin',
  'src',
  'examples',
] as const;

/** Packs the checkout into `dest` (which holds no other tarball); returns the tarball's path. */
export async function packTarball(dest: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'spotrunner-pack-src-'));
  try {
    for (const entry of PACK_INPUTS) {
      await cp(join(REPO_ROOT, entry), join(work, entry), { recursive: true });
    }
    await symlink(await realpath(join(REPO_ROOT, 'node_modules')), join(work, 'node_modules'));
    await mkdir(dest, { recursive: true });
    const { stdout } = await run('npm', ['pack', '--pack-destination', dest], {
      cwd: work,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
    });
    const tarballs = (await readdir(dest)).filter((name) => /^spotrunner-.*\.tgz$/.test(name));
    if (tarballs.length !== 1)
      throw new Error(`npm pack left ${tarballs.length} tarballs: ${stdout}`);
    return join(dest, tarballs[0]!);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The files in a tarball (`package/...` paths). */
export async function listTarball(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
  return stdout.split('\n').filter((line) => line !== '');
}
