/**
 * Job services (`services:`): one container per entry on the job's network, reachable by
 * its aliases (the job's `alias` list plus gitlab-runner's derived `ns__name` / `ns-name`),
 * with its `command`, `entrypoint` and variables (the job's public variables, as
 * gitlab-runner passes them, then the service's own). Masked and non-public variables never
 * reach a service: they would show in `docker inspect`. Readiness is a TCP connect from the
 * helper container to every exposed port (or `HEALTHCHECK_TCP_PORT`); a service that never
 * listens only earns a warning, as in gitlab-runner.
 */
import type Docker from 'dockerode';
import type { CompiledDocker } from '../../config/types.js';
import type { JobImage, JobPayload } from '../../gitlab/job-payload.js';
import type { VariableSet } from '../script/job-variables.js';
import { hostConfig, jobLabels, type JobIdentity } from './container-config.js';
import { tcpPorts, type ImageInfo } from './image-puller.js';
import { serviceAliases } from './image-ref.js';
import { execWithInput } from './stage-targets.js';
import { demuxBuffer } from './stream-demux.js';
import { describeDockerError } from './docker-errors.js';

export interface ServiceSpec {
  index: number;
  /** Image name with variables expanded. */
  name: string;
  image: JobImage;
  aliases: string[];
  env: string[];
}

export interface StartedService {
  spec: ServiceSpec;
  container: Docker.Container;
  /** Address on the job network. */
  ip: string;
  ports: number[];
}

/** Variables a service sees: public job variables (expanded), then the service's own. */
export function serviceEnv(job: JobPayload, vars: VariableSet, service: JobImage): string[] {
  const secret = new Set(job.variables.filter((v) => !v.public || v.masked).map((v) => v.key));
  const env = new Map<string, string>();
  for (const v of vars.list) {
    if (v.masked || v.file || secret.has(v.key)) continue;
    env.set(v.key, v.raw ? v.value : vars.expand(v.value));
  }
  for (const v of service.variables ?? []) env.set(v.key, vars.expand(v.value));
  return [...env].map(([k, v]) => `${k}=${v}`);
}

export function serviceSpecs(job: JobPayload, vars: VariableSet): ServiceSpec[] {
  return job.services.map((image, index) => {
    const name = vars.expand(image.name).trim();
    return {
      index,
      name,
      image,
      aliases: serviceAliases(name, image.alias),
      env: serviceEnv(job, vars, image),
    };
  });
}

export async function createServiceContainer(
  docker: Docker,
  settings: { config: CompiledDocker; identity: JobIdentity; network: string },
  spec: ServiceSpec,
  onCreated: (id: string) => void,
): Promise<Docker.Container> {
  const { config, identity, network } = settings;
  const entrypoint = spec.image.entrypoint;
  const body: Docker.ContainerCreateOptions = {
    Image: spec.name,
    Env: spec.env,
    Labels: { ...jobLabels(identity, 'service'), 'spotrunner.service': spec.name },
    ...(spec.image.command.length > 0 ? { Cmd: spec.image.command } : {}),
    ...(entrypoint && !config.disableEntrypointOverwrite ? { Entrypoint: entrypoint } : {}),
    HostConfig: hostConfig(config, {
      binds: [],
      network,
      privileged: config.privileged,
      limits: false,
    }),
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: spec.aliases } } },
  };
  const platform = spec.image.executor_opts?.docker?.platform;
  const container = await createContainer(
    docker,
    `${identity.prefix}-svc-${spec.index}`,
    body,
    platform,
  );
  onCreated(container.id);
  return container;
}

/** POST /containers/create with the config in the body only (dockerode would also put it in the URL). */
export async function createContainer(
  docker: Docker,
  name: string,
  body: Docker.ContainerCreateOptions,
  platform?: string,
): Promise<Docker.Container> {
  const query = { name, ...(platform ? { platform } : {}) };
  const options = { _query: query, _body: body } as unknown as Docker.ContainerCreateOptions;
  return docker.createContainer(options);
}

export async function startService(
  container: Docker.Container,
  spec: ServiceSpec,
  image: ImageInfo,
  network: string,
): Promise<StartedService> {
  await container.start();
  const info = await container.inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress ?? '';
  const healthPort = spec.image.variables?.find((v) => v.key === 'HEALTHCHECK_TCP_PORT')?.value;
  const ports = healthPort
    ? tcpPorts([healthPort])
    : tcpPorts([
        ...Object.keys(info.Config.ExposedPorts ?? {}),
        ...image.exposedPorts.map(String),
        ...(spec.image.ports ?? []).map((p) => String(p.number)),
      ]);
  return { spec, container, ip, ports };
}

/**
 * Waits until every port of the service accepts a TCP connection from `helper`; resolves
 * with a warning text when it does not within `timeoutMs`.
 */
export async function waitForService(
  helper: Docker.Container,
  service: StartedService,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (service.ports.length === 0 || service.ip === '') return undefined;
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const script = [
    `__sr_deadline=$((SECONDS + ${seconds}))`,
    `for __sr_port in ${service.ports.join(' ')}; do`,
    `  until (exec 3<>"/dev/tcp/${service.ip}/$__sr_port") 2>/dev/null; do`,
    '    if [ "$SECONDS" -ge "$__sr_deadline" ]; then echo "port $__sr_port: timeout"; exit 1; fi',
    '    sleep 0.1',
    '  done',
    'done',
    '',
  ].join('\n');
  const output: Buffer[] = [];
  const onAbort: { stream?: { destroy(): void } } = {};
  const abort = (): void => onAbort.stream?.destroy();
  signal.addEventListener('abort', abort, { once: true });
  try {
    const code = await execWithInput(
      helper,
      ['bash', '-s'],
      script,
      (c) => output.push(c),
      (s) => {
        onAbort.stream = s;
      },
    );
    if (code === 0 || signal.aborted) return undefined;
    const why = Buffer.concat(output).toString('utf8').trim() || `exit code ${code}`;
    return await serviceWarning(service, why);
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

async function serviceWarning(service: StartedService, why: string): Promise<string> {
  const logs = await containerLogs(service.container);
  return [
    `Service ${service.spec.name} probably didn't start properly.`,
    '',
    'Health check error:',
    `service "${service.spec.aliases[0] ?? service.spec.name}" ${why}`,
    '',
    'Service container logs:',
    logs,
  ].join('\n');
}

async function containerLogs(container: Docker.Container): Promise<string> {
  try {
    const raw = await container.logs({ stdout: true, stderr: true, tail: 50, follow: false });
    return demuxBuffer(raw).toString('utf8').trimEnd();
  } catch (err: unknown) {
    return `(cannot read the logs: ${describeDockerError(err)})`;
  }
}
