/** LocalImages over dockerode: the `docker save` stream of an image of this machine's engine. */
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { UserError, describeError } from '../platform/errors.js';
import type { LocalImages } from './copy-image.js';

export function createDockerLocalImages(docker: Docker): LocalImages {
  return {
    async save(name: string): Promise<Readable> {
      try {
        await docker.getImage(name).inspect();
      } catch (err: unknown) {
        throw new UserError(
          `this machine's Docker engine has no image ${name} to copy (${describeError(err)})`,
          'not_found',
        );
      }
      return (await docker.getImage(name).get()) as Readable;
    },
  };
}
