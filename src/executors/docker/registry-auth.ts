/**
 * Registry credentials for pulling an image, matched by registry host as gitlab-runner does:
 * `DOCKER_AUTH_CONFIG` (job variable, else the runner's `environment`) first, then the
 * job's `credentials` of type `registry` (GitLab's container registry and dependency proxy).
 */
import { normalizeRegistryHost, parseImageRef } from './image-ref.js';

export interface RegistryCredential {
  type: string;
  url: string;
  username: string;
  password: string;
}

/** Docker Engine's AuthConfig, sent base64-encoded in X-Registry-Auth. */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export interface ResolvedRegistryAuth {
  auth: RegistryAuth;
  /** Where the credentials came from, for the trace (never the secret itself). */
  source: 'DOCKER_AUTH_CONFIG' | 'job payload (GitLab Registry)';
}

export interface RegistryAuthSources {
  /** Value of the DOCKER_AUTH_CONFIG variable ('' when unset). */
  dockerAuthConfig: string;
  credentials: readonly RegistryCredential[];
}

export interface AuthLookup {
  found?: ResolvedRegistryAuth;
  /** Problems with DOCKER_AUTH_CONFIG, for a trace warning. */
  warnings: string[];
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

export function resolveRegistryAuth(imageName: string, sources: RegistryAuthSources): AuthLookup {
  const registry = parseImageRef(imageName).registry;
  const warnings: string[] = [];
  const fromConfig = lookupDockerAuthConfig(registry, sources.dockerAuthConfig, warnings);
  if (fromConfig) return { found: { auth: fromConfig, source: 'DOCKER_AUTH_CONFIG' }, warnings };
  for (const cred of sources.credentials) {
    if (cred.type.toLowerCase() !== 'registry') continue;
    if (normalizeRegistryHost(cred.url) !== registry) continue;
    return {
      found: {
        auth: { username: cred.username, password: cred.password, serveraddress: registry },
        source: 'job payload (GitLab Registry)',
      },
      warnings,
    };
  }
  return { warnings };
}

function lookupDockerAuthConfig(
  registry: string,
  text: string,
  warnings: string[],
): RegistryAuth | undefined {
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    warnings.push('DOCKER_AUTH_CONFIG is not valid JSON; ignored');
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    warnings.push('DOCKER_AUTH_CONFIG is not a JSON object; ignored');
    return undefined;
  }
  const auths = (parsed as { auths?: unknown }).auths;
  if (typeof auths !== 'object' || auths === null) return undefined;
  for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
    if (normalizeRegistryHost(key) !== registry) continue;
    const entry = decodeEntry(value as AuthEntry | null);
    if (entry) return { ...entry, serveraddress: registry };
    warnings.push(`DOCKER_AUTH_CONFIG entry for ${registry} has no usable credentials; ignored`);
  }
  return undefined;
}

function decodeEntry(entry: AuthEntry | null): Omit<RegistryAuth, 'serveraddress'> | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    return undefined;
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}
