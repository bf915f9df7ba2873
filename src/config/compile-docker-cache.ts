import type { PathSegment } from './line-index.js';
import type { RawCache, RawDocker } from './schema.js';
import type { CompiledCache, CompiledDocker, CompiledS3Cache } from './types.js';
import { DEFAULTS } from './defaults.js';
import { nonEmpty, reportError, reportWarning, type CompileContext } from './compile-context.js';
import { NOT_IMPLEMENTED } from './check-keys.js';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Docker's RAMInBytes: `512m`, `4g`, `4GiB`, `1073741824` (binary multiples). */
export function parseMemoryBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgtp]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

/** `cpus` as gitlab-runner reads it (a rational number: `1.5`, `3/2`). */
export function parseCpus(value: string | number): number | undefined {
  if (typeof value === 'number') return value > 0 ? value : undefined;
  const frac = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(value);
  const n = frac ? Number(frac[1]) / Number(frac[2]) : Number(value.trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export function compileDocker(
  ctx: CompileContext,
  raw: RawDocker | undefined,
  runnerPath: PathSegment[],
): CompiledDocker {
  const r = raw ?? {};
  const path = [...runnerPath, 'docker'];
  let memoryBytes: number | undefined;
  if (nonEmpty(r.memory) !== undefined) {
    memoryBytes = parseMemoryBytes(r.memory!);
    if (memoryBytes === undefined) {
      reportError(
        ctx,
        [...path, 'memory'],
        `expected a size such as "4g" or "512m", got "${r.memory}"`,
      );
    }
  }
  let cpus: number | undefined;
  if (r.cpus !== undefined && r.cpus !== '') {
    cpus = parseCpus(r.cpus);
    if (cpus === undefined) {
      reportError(
        ctx,
        [...path, 'cpus'],
        `expected a number of CPUs > 0 such as "1.5", got ${JSON.stringify(r.cpus)}`,
      );
    }
  }
  const pull =
    r.pull_policy === undefined
      ? []
      : typeof r.pull_policy === 'string'
        ? [r.pull_policy]
        : r.pull_policy;
  return {
    image: r.image ?? '',
    privileged: r.privileged ?? false,
    volumes: r.volumes ?? [],
    extraHosts: r.extra_hosts ?? [],
    shmSizeBytes: r.shm_size ?? 0,
    memoryBytes,
    cpus,
    pullPolicy: pull.length > 0 ? pull : [DEFAULTS.pullPolicy],
    allowedPullPolicies:
      r.allowed_pull_policies && r.allowed_pull_policies.length > 0
        ? r.allowed_pull_policies
        : undefined,
    helperImage: nonEmpty(r.helper_image),
    networkMtu: r.network_mtu ?? 0,
    disableEntrypointOverwrite: r.disable_entrypoint_overwrite ?? false,
    dns: r.dns ?? [],
    capAdd: r.cap_add ?? [],
    capDrop: r.cap_drop ?? [],
    tlsVerify: r.tls_verify ?? false,
    host: nonEmpty(r.host),
    disableCache: r.disable_cache ?? false,
    user: nonEmpty(r.user),
  };
}

function compileS3(
  ctx: CompileContext,
  raw: NonNullable<RawCache['s3']>,
  path: PathSegment[],
): CompiledS3Cache | undefined {
  const auth = raw.AuthenticationType?.trim().toLowerCase() ?? '';
  if (auth !== '' && auth !== 'iam' && auth !== 'access-key') {
    reportError(
      ctx,
      [...path, 'AuthenticationType'],
      `expected "access-key" or "iam", got "${raw.AuthenticationType}"`,
    );
    return undefined;
  }
  // gitlab-runner's CacheS3Config.AuthType(): without an explicit type, IAM unless address and both keys are set.
  const implied = !raw.ServerAddress || !raw.AccessKey || !raw.SecretKey ? 'iam' : 'access-key';
  return {
    serverAddress: nonEmpty(raw.ServerAddress) ?? DEFAULTS.s3ServerAddress,
    accessKey: nonEmpty(raw.AccessKey),
    secretKey: nonEmpty(raw.SecretKey),
    sessionToken: nonEmpty(raw.SessionToken),
    bucketName: raw.BucketName ?? '',
    bucketLocation: nonEmpty(raw.BucketLocation) ?? DEFAULTS.s3BucketLocation,
    insecure: raw.Insecure ?? false,
    pathStyle: raw.PathStyle,
    serverSideEncryption: nonEmpty(raw.ServerSideEncryption),
    serverSideEncryptionKeyId: nonEmpty(raw.ServerSideEncryptionKeyID),
    authenticationType: auth === '' ? implied : auth,
  };
}

/** `[runners.cache]` → CompiledCache; undefined when gitlab-runner would use no (working) cache. */
export function compileCache(
  ctx: CompileContext,
  raw: RawCache | undefined,
  runnerPath: PathSegment[],
): CompiledCache | undefined {
  if (raw === undefined) return undefined;
  const path = [...runnerPath, 'cache'];
  const type = nonEmpty(raw.Type);
  if (type === undefined) {
    if (raw.s3 !== undefined)
      reportWarning(
        ctx,
        [...path, 'Type'],
        'not set: gitlab-runner uses no cache; set Type = "s3"',
      );
    return undefined;
  }
  if (type !== 's3') {
    reportWarning(ctx, [...path, 'Type'], `"${type}": ${NOT_IMPLEMENTED}`);
    return undefined;
  }
  if (raw.s3 === undefined || nonEmpty(raw.s3.BucketName) === undefined) {
    reportWarning(
      ctx,
      [...path, 's3', 'BucketName'],
      'missing: the S3 cache is disabled, as in gitlab-runner',
    );
    return undefined;
  }
  const s3 = compileS3(ctx, raw.s3, [...path, 's3']);
  if (s3 === undefined) return undefined;
  return {
    type: 's3',
    path: raw.Path ?? '',
    shared: raw.Shared ?? false,
    maxUploadedArchiveSizeBytes: raw.MaxUploadedArchiveSize ?? 0,
    s3,
  };
}
