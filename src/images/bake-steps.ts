/**
 * What runs on the builder, as shell commands (the SSH bake and the Packer template share them):
 * Docker installed unless `docker version` already works, then the helper image and every
 * discovered image present (`docker image inspect || docker pull`), then the docker service
 * enabled so workers start with it.
 */
import { shellQuote } from '../connect/index.js';

export interface BakeStep {
  /** Stable name for progress lines and logs: `install docker`, `pull debian:12`. */
  name: string;
  kind: 'install' | 'helper' | 'pull';
  command: string;
}

/** `docker`, or `sudo docker` when the login user cannot reach the socket yet. */
export const DOCKER_PRELUDE =
  'if docker version >/dev/null 2>&1; then D=docker; else D="sudo -n docker"; fi';

const INSTALL_DOCKER = [
  'if docker version >/dev/null 2>&1 || sudo -n docker version >/dev/null 2>&1; then',
  '  echo "docker already installed: $(docker version --format {{.Server.Version}} 2>/dev/null || sudo -n docker version --format {{.Server.Version}})"',
  'elif command -v apt-get >/dev/null 2>&1; then',
  '  sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -q &&',
  '  sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io &&',
  '  sudo -n systemctl enable --now docker && sudo -n usermod -aG docker "$(id -un)"',
  'elif command -v dnf >/dev/null 2>&1; then',
  '  sudo -n dnf install -y docker && sudo -n systemctl enable --now docker &&',
  '  sudo -n usermod -aG docker "$(id -un)"',
  'else',
  '  echo "no apt-get or dnf on the builder: install Docker in the base image" >&2; exit 1',
  'fi',
].join('\n');

/** Pulls an image unless the engine already has it (no registry round trip when present). */
export function pullCommand(image: string): string {
  const q = shellQuote(image);
  return `${DOCKER_PRELUDE}; if $D image inspect ${q} >/dev/null 2>&1; then echo "present: ${image.replace(/["$`\\]/g, '')}"; else $D pull ${q}; fi`;
}

export function bakeSteps(images: readonly string[], helperImage: string): BakeStep[] {
  return [
    { name: 'install docker', kind: 'install', command: INSTALL_DOCKER },
    { name: `helper image ${helperImage}`, kind: 'helper', command: pullCommand(helperImage) },
    ...images.map((image) => ({
      name: `pull ${image}`,
      kind: 'pull' as const,
      command: pullCommand(image),
    })),
  ];
}
