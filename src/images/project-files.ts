/**
 * A project directory as the CI parser reads it: every file path (for include wildcards) and a
 * reader for `include: local` that stays inside the directory.
 */
import { readdir, readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);
const MAX_FILES = 100_000;

/** Every file under `dir` (relative, `/`-separated), without `.git` and `node_modules`. */
export async function listProjectFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const pending = [''];
  while (pending.length > 0 && out.length < MAX_FILES) {
    const current = pending.pop()!;
    const entries = await readdir(resolve(dir, current), { withFileTypes: true });
    for (const entry of entries) {
      const path = current === '' ? entry.name : `${current}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) pending.push(path);
      } else if (entry.isFile()) out.push(path);
    }
  }
  return out.sort();
}

/** Reads a project file by its repository path; undefined when absent or outside `dir`. */
export function projectFileReader(dir: string): (path: string) => Promise<string | undefined> {
  const root = resolve(dir);
  return async (path: string): Promise<string | undefined> => {
    const full = resolve(root, path);
    const rel = relative(root, full);
    if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..')) return undefined;
    try {
      return await readFile(full, 'utf8');
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
}
