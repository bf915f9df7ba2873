import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllowlist } from './allowlist.js';
import { discoverImages, imageKey } from './discover-images.js';
import { expandImageName } from './expand-image-name.js';

const PROJECT = fileURLToPath(new URL('./testdata/discover-project', import.meta.url));

describe('discoverImages', () => {
  it('finds images through default, extends, !reference, includes with wildcards and variables', async () => {
    const allowlist = parseAllowlist(
      await readFile(join(PROJECT, 'allowlist.txt'), 'utf8'),
      'allowlist.txt',
    );
    const result = await discoverImages({ projectDir: PROJECT, allowlist });
    const byName = Object.fromEntries(result.images.map((i) => [i.name, i.sources]));
    expect(Object.keys(byName)).toEqual([
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
    // The allowlist's docker.io/library/debian:12 is the same image as the default's debian:12.
    expect(byName['debian:12']).toEqual(['job plain: image', 'allowlist:3']);
    // Included jobs come first, as in GitLab's merge; jobs with own services don't get default's.
    expect(byName['postgres:16']).toEqual([
      'job docs: service db',
      'job lint: service db',
      'job plain: service db',
      'job deploy: service db',
    ]);
    expect(byName['memcached:1.6']).toEqual(['job test: service cache']);
    expect(byName['rust:1.79']).toEqual(['job build: image']);
    expect(byName['redis:7']).toEqual(['job build: service']);
    expect(result.unresolved).toEqual([
      { name: '$DEPLOY_IMAGE', source: 'job deploy: image', missing: ['DEPLOY_IMAGE'] },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('lets --var values win over the file and fill missing variables', async () => {
    const result = await discoverImages({
      projectDir: PROJECT,
      variables: { TEST_IMAGE: 'node:22', DEPLOY_IMAGE: 'alpine/helm:3' },
    });
    const names = result.images.map((i) => i.name);
    expect(names).toContain('node:22');
    expect(names).toContain('alpine/helm:3');
    expect(names).not.toContain('node:20-bookworm');
    expect(result.unresolved).toEqual([]);
  });

  it('fills spec:inputs from --input values, and refuses a required input left out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'discover-inputs-'));
    try {
      await writeFile(
        join(dir, '.gitlab-ci.yml'),
        [
          'spec:',
          '  inputs:',
          '    node_version:',
          '      type: string',
          '---',
          'test:',
          '  image: node:$[[ inputs.node_version ]]',
          '  script: [npm test]',
          '',
        ].join('\n'),
      );
      const result = await discoverImages({ projectDir: dir, inputs: { node_version: '22' } });
      expect(result.images.map((i) => i.name)).toEqual(['node:22']);
      await expect(discoverImages({ projectDir: dir })).rejects.toThrow(/node_version/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a project without a CI file, and a CI file GitLab would refuse', async () => {
    await expect(discoverImages({ projectDir: join(PROJECT, 'ci') })).rejects.toThrow(
      /no \.gitlab-ci\.yml/,
    );
    await expect(
      discoverImages({ projectDir: PROJECT, ciFile: 'templates/base.yml' }),
    ).rejects.toThrow(/at least one visible job/);
  });
});

describe('expandImageName', () => {
  const vars = new Map([
    ['A', { value: 'x/$B', raw: false }],
    ['B', { value: 'y:1', raw: false }],
    ['RAW', { value: '$B', raw: true }],
    ['EMPTY', { value: '', raw: false }],
  ]);
  it('expands nested variables, defaults and keeps raw values as written', () => {
    expect(expandImageName('${A}', vars)).toEqual({ name: 'x/y:1', missing: [] });
    expect(expandImageName('$RAW', vars)).toEqual({ name: '$B', missing: [] });
    expect(expandImageName('${EMPTY:-debian:12}', vars)).toEqual({
      name: 'debian:12',
      missing: [],
    });
    expect(expandImageName('${NOPE:-$B}', vars)).toEqual({ name: 'y:1', missing: [] });
    expect(expandImageName('reg/$NOPE:1', vars)).toEqual({
      name: 'reg/$NOPE:1',
      missing: ['NOPE'],
    });
  });
});

describe('allowlist and image keys', () => {
  it('reads one image a line with comments, and refuses two on a line', () => {
    expect(parseAllowlist('# c\n\nalpine:3 # x\n  busybox\n', 'f')).toEqual([
      { name: 'alpine:3', line: 3 },
      { name: 'busybox', line: 4 },
    ]);
    expect(() => parseAllowlist('a b\n', 'list.txt')).toThrow('list.txt:1: one image per line');
  });
  it('treats implicit latest and the Docker Hub library prefix as the same image', () => {
    expect(imageKey('debian')).toBe('debian:latest');
    expect(imageKey('docker.io/library/debian:12')).toBe('debian:12');
    expect(imageKey('localhost:5000/x')).toBe('localhost:5000/x:latest');
    expect(imageKey('x@sha256:ab')).toBe('x@sha256:ab');
  });
});
