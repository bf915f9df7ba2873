/**
 * Copies an image from this machine's Docker engine to the builder's: `docker save` here streamed
 * into `docker load` there over the SSH connection. For the helper image, which is built locally
 * (scripts/build-test-images.sh) and is in no registry the builder could pull from.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { InstanceConnection } from '../connect/index.js';
import { SpotrunnerError } from '../platform/errors.js';
import { DOCKER_PRELUDE } from './bake-steps.js';

/** This machine's images (dockerode's `getImage(name).get()` over the local socket). */
export interface LocalImages {
  /** The image as a `docker save` tar stream; throws when the local engine has no such image. */
  save(name: string): Promise<Readable>;
}

export interface CopyResult {
  bytes: number;
  /** The last line `docker load` printed (`Loaded image: …`). */
  loaded: string;
}

export async function copyImage(
  conn: InstanceConnection,
  local: LocalImages,
  name: string,
  signal?: AbortSignal,
): Promise<CopyResult> {
  const tar = await local.save(name);
  let bytes = 0;
  const counted = new PassThrough();
  tar.on('data', (chunk: Buffer) => (bytes += chunk.length));
  tar.on('error', (err) => counted.destroy(err));
  tar.pipe(counted);
  let out = '';
  const collect = (chunk: Buffer): void => {
    out = (out + chunk.toString('utf8')).slice(-2_000);
  };
  const result = await conn.exec(`${DOCKER_PRELUDE}; $D load`, {
    stdin: counted,
    onStdout: collect,
    onStderr: collect,
    ...(signal ? { signal } : {}),
  });
  if (result.exitCode !== 0)
    throw new SpotrunnerError(
      'executor',
      `copying ${name} to the builder failed (docker load exit ${result.exitCode ?? result.signal ?? '?'}):\n${out.trim()}`,
    );
  return { bytes, loaded: out.trim().split('\n').slice(-1)[0] ?? '' };
}
