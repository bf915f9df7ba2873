/**
 * The config.toml `spotrunner sandbox` writes for its embedded GitLab and local fleet. It goes
 * through the same loader as a user's file, and stays on disk so users can read and copy it.
 */
export interface SandboxConfigInput {
  url: string;
  token: string;
  executor: 'instance' | 'docker-autoscaler';
  instancesDir: string;
  cacheDir: string;
  maxInstances: number;
  idleTime: string;
  bootDelay: string;
  helperImage?: string;
  image?: string;
  /** How instances (containers) reach the server, when not by `url`. */
  cloneUrl?: string;
}

export function sandboxConfigToml(i: SandboxConfigInput): string {
  const docker =
    i.executor === 'docker-autoscaler'
      ? `  [runners.docker]\n    image = "${i.image ?? 'spotrunner-test/debian:bookworm'}"\n` +
        `    pull_policy = ["if-not-present"]\n` +
        (i.helperImage ? `    helper_image = "${i.helperImage}"\n` : '')
      : '';
  return `# Written by \`spotrunner sandbox\`: the embedded GitLab-compatible server and a local fleet.
# Instances are SSH endpoints on loopback addresses of this machine, created on demand and
# removed after idle_time, exactly as cloud instances would be.
concurrent = ${i.maxInstances * 2}
check_interval = 1
shutdown_timeout = 30

[[runners]]
  name = "sandbox-${i.executor}"
  url = "${i.url}"
  token = "${i.token}"
  executor = "${i.executor}"
  unhealthy_interval = "5s"
  cache_dir = "${i.cacheDir}"
${i.cloneUrl ? `  clone_url = "${i.cloneUrl}"\n` : ''}${docker}  [runners.autoscaler]
    plugin = "local"
    capacity_per_instance = 2
    max_instances = ${i.maxInstances}
    update_interval = "5s"
    update_interval_when_expecting = "1s"
    [runners.autoscaler.plugin_config]
      dir = "${i.instancesDir}"
      boot_delay = "${i.bootDelay}"
    [[runners.autoscaler.policy]]
      idle_count = 0
      idle_time = "${i.idleTime}"
`;
}
