/** Whether a Docker engine answers on /var/run/docker.sock and has the helper image. */
import { request } from 'node:http';

function dockerGet(path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { socketPath: '/var/run/docker.sock', path, method: 'GET', timeout: 2000 },
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

export async function detectDocker(helperImage = 'spotrunner-helper:latest'): Promise<boolean> {
  if ((await dockerGet('/_ping')) !== 200) return false;
  return (await dockerGet(`/images/${encodeURIComponent(helperImage)}/json`)) === 200;
}
