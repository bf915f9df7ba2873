/**
 * `spotrunner image discover` as users run it: the real CLI in a child process, text (one image
 * a line on stdout, warnings on stderr) and JSON output, and exit 2 for a user mistake.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './e2e/harness.js';
import { runCli } from './e2e/cli-process.js';

const PROJECT = join(REPO_ROOT, 'src/images/testdata/discover-project');
const ALLOWLIST = join(PROJECT, 'allowlist.txt');

describe('spotrunner image discover', () => {
  it('prints one image a line, and says which names it could not resolve', async () => {
    const run = await runCli(['image', 'discover', PROJECT, '--allowlist', ALLOWLIST]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      'alpine:3.20',
      'debian:12',
      'docker:24-dind',
      'memcached:1.6',
      'node:20-bookworm',
      'postgres:16',
      'python:3.12',
      'redis:7',
      'registry.example.com/group/linter:3',
      'rust:1.79',
    ]);
    expect(run.stderr).toContain('job deploy: image: $DEPLOY_IMAGE needs $DEPLOY_IMAGE');
  });

  it('prints JSON with the sources of each image', async () => {
    const run = await runCli([
      'image',
      'discover',
      PROJECT,
      '--json',
      '--var',
      'DEPLOY_IMAGE=alpine/helm:3',
      '--var',
      'TEST_IMAGE=node:22',
    ]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      images: { name: string; sources: string[] }[];
      unresolved: unknown[];
    };
    expect(doc.unresolved).toEqual([]);
    expect(doc.images.find((i) => i.name === 'alpine/helm:3')?.sources).toEqual([
      'job deploy: image',
    ]);
    expect(doc.images.find((i) => i.name === 'memcached:1.6')?.sources).toEqual([
      'job test: service cache',
    ]);
    expect(doc.images.map((i) => i.name)).toContain('node:22');
    expect(doc.images.map((i) => i.name)).not.toContain('alpine:3.20');
  });

  it('exits 2 with a message for a missing CI file or a bad allowlist line', async () => {
    const missing = await runCli(['image', 'discover', join(PROJECT, 'ci')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no .gitlab-ci.yml in');
    const bad = await runCli([
      'image',
      'discover',
      PROJECT,
      '--allowlist',
      join(PROJECT, 'ci/docs.yml'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/docs\.yml:2: one image per line, got "image: python:3.12"/);
  });
});
