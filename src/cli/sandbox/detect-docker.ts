/** What a Docker engine on /var/run/docker.sock offers the sandbox: does it answer, has it the helper image. */
import { request } from 'node:http';

export const DOCKER_SOCKET = '/var/run/docker.sock';
export const SANDBOX_HELPER_IMAGE = 'spotrunner-helper:latest';

export interface DockerStatus {
  /** The engine answers `/_ping`. */
  engine: boolean;
  /** The helper image is there (false when the engine does not answer). */
  helperImage: boolean;
}

function dockerGet(path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { socketPath: DOCKER_SOCKET, path, method: 'GET', timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
    req.end();
  });
}

export async function detectDocker(helperImage = SANDBOX_HELPER_IMAGE): Promise<DockerStatus> {
  if ((await dockerGet('/_ping')) !== 200) return { engine: false, helperImage: false };
  const image = await dockerGet(`/images/${encodeURIComponent(helperImage)}/json`);
  return { engine: true, helperImage: image === 200 };
}
