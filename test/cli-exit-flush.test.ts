/**
 * The CLI exits with process.exit once a command returns; what it wrote to a pipe must all
 * arrive first, even when the reader is slow (a pipe holds 64 KiB).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function bash(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('CLI output to a pipe', () => {
  it('delivers more than a pipe buffer of JSON to a reader that starts late', async () => {
    const cli = `"${process.execPath}" "${join(ROOT, 'bin/spotrunner.js')}"`;
    const out = await bash(`set -o pipefail; ${cli} plan --json | { sleep 2; cat; }`);
    expect(out.length).toBeGreaterThan(65_536);
    const json = JSON.parse(out) as { jobs: number };
    expect(json.jobs).toBe(1682);
  });
});
