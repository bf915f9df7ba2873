/**
 * Docker image references as gitlab-runner reads them: the registry host (for credentials),
 * the repository path and the service aliases derived from the image name
 * (`registry.example.com/ns/name:tag` → `ns__name` and `ns-name`).
 */

export interface ImageRef {
  /** Registry host (with port); `docker.io` when the name has none. */
  registry: string;
  /** Path below the registry, as written (no `library/` added), without tag or digest. */
  path: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';

const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/** docker/distribution's rule: a first component with `.` or `:`, or `localhost`, is a host. */
function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

export function parseImageRef(name: string): ImageRef {
  let rest = name.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !rest.slice(colon + 1).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  let registry = DOCKER_HUB;
  let path = rest;
  if (slash > 0 && isRegistryHost(rest.slice(0, slash))) {
    registry = normalizeRegistryHost(rest.slice(0, slash));
    path = rest.slice(slash + 1);
  }
  return {
    registry,
    path,
    ...(tag !== undefined && tag !== '' ? { tag } : {}),
    ...(digest !== undefined && digest !== '' ? { digest } : {}),
  };
}

/**
 * A registry as written in credentials or DOCKER_AUTH_CONFIG (`https://host:5000/v1/`,
 * `host:5000`) reduced to its host and port; Docker Hub's names become `docker.io`.
 */
export function normalizeRegistryHost(value: string): string {
  let host = value.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  host = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

/** The reference to pull: the name with `:latest` when it has neither tag nor digest. */
export function pullReference(name: string): string {
  const ref = parseImageRef(name);
  return ref.tag === undefined && ref.digest === undefined ? `${name.trim()}:latest` : name.trim();
}

/**
 * gitlab-runner's default service aliases: the image path without registry, tag or digest,
 * with `/` replaced by `__` and by `-` (one alias when the path has no `/`).
 */
export function defaultServiceAliases(imageName: string): string[] {
  const { path } = parseImageRef(imageName);
  const aliases = [path.replaceAll('/', '__'), path.replaceAll('/', '-')];
  return [...new Set(aliases.filter((a) => a !== ''))];
}

/** `alias` from the job (several may be given, separated by commas or spaces). */
export function splitAliases(alias: string | undefined): string[] {
  if (alias === undefined) return [];
  return alias.split(/[\s,]+/).filter((a) => a !== '');
}

/** Job aliases first, then the derived ones, without duplicates. */
export function serviceAliases(imageName: string, alias: string | undefined): string[] {
  return [...new Set([...splitAliases(alias), ...defaultServiceAliases(imageName)])];
}
