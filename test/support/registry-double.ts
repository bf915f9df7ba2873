/**
 * A pull-only image registry on 127.0.0.1: the part of the Docker Registry HTTP API V2 a daemon
 * uses to pull (`/v2/`, manifests, blobs), over plain HTTP (Docker treats 127.0.0.0/8 registries
 * as insecure, so no daemon setting is needed). It serves one image for any repository and tag:
 * a local image's layers (`docker save`) plus one small layer of its own, unique to this double,
 * so that the image is new to the daemon and a pull really downloads a layer. The base layers
 * are downloaded once per machine; later pulls of them are skipped by the daemon, which
 * remembers which digests it has.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RegistryDouble {
  /** `127.0.0.1:<port>`, the registry part of image names. */
  host: string;
  /** Requests served, as `METHOD /path`. */
  requests: string[];
  close(): Promise<void>;
}

interface Blob {
  path: string;
  size: number;
}

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(`sha256:${hash.digest('hex')}`));
  });
}

async function addBlob(blobs: Map<string, Blob>, path: string): Promise<string> {
  const digest = await sha256File(path);
  blobs.set(digest, { path, size: statSync(path).size });
  return digest;
}

/** Serves `baseImage` (a local image) plus a small layer as a new image. */
export async function startRegistryDouble(baseImage: string): Promise<RegistryDouble> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-double-'));
  const saved = join(dir, 'saved');
  mkdirSync(saved);
  await run('sh', ['-c', `docker save "$1" | tar -x -C "$2"`, 'sh', baseImage, saved], {
    maxBuffer: 1024 * 1024,
  });
  const [entry] = JSON.parse(await readFile(join(saved, 'manifest.json'), 'utf8')) as Array<{
    Config: string;
    Layers: string[];
  }>;
  if (!entry) throw new Error(`docker save ${baseImage} wrote no image`);
  const blobs = new Map<string, Blob>();
  const layers: Array<{ digest: string; size: number }> = [];
  for (const layer of entry.Layers) {
    const digest = await addBlob(blobs, join(saved, layer));
    layers.push({ digest, size: blobs.get(digest)!.size });
  }
  // The layer of its own: one file, uncompressed (its digest is its diff id).
  const extra = join(dir, 'extra');
  mkdirSync(extra);
  writeFileSync(join(extra, 'spotrunner-pulled'), `${randomBytes(8).toString('hex')}\n`);
  await run('tar', ['-c', '-f', join(dir, 'extra.tar'), '-C', extra, 'spotrunner-pulled']);
  const extraDigest = await addBlob(blobs, join(dir, 'extra.tar'));
  layers.push({ digest: extraDigest, size: blobs.get(extraDigest)!.size });

  const config = JSON.parse(await readFile(join(saved, entry.Config), 'utf8')) as {
    rootfs: { diff_ids: string[] };
    history?: unknown[];
  };
  config.rootfs.diff_ids.push(extraDigest);
  config.history = [...(config.history ?? []), { created_by: 'registry double layer' }];
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const configDigest = await addBlob(blobs, join(dir, 'config.json'));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: blobs.get(configDigest)!.size,
        digest: configDigest,
      },
      // The daemon detects that a layer is not compressed; the digest is of what is served.
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        ...l,
      })),
    }),
  );
  const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://registry').pathname;
    requests.push(`${req.method ?? 'GET'} ${path}`);
    const head = req.method === 'HEAD';
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (path === '/v2/' || path === '/v2') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(head ? undefined : '{}');
      return;
    }
    if (/^\/v2\/.+\/manifests\/[^/]+$/.test(path)) {
      res.writeHead(200, {
        'content-type': MANIFEST_TYPE,
        'content-length': manifest.length,
        'docker-content-digest': manifestDigest,
      });
      res.end(head ? undefined : manifest);
      return;
    }
    const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path);
    const found = blob ? blobs.get(blob[1]!) : undefined;
    if (!found) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'unknown' }] }));
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': found.size,
      'docker-content-digest': blob![1],
    });
    if (head) res.end();
    else createReadStream(found.path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
