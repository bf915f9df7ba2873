/** Values for the `${…}` placeholders of seed-004.toml (a Terraform-templated production file). */
export const SEED_004_ENV: Readonly<Record<string, string>> = {
  runner_name: 'walli-aws',
  gitlab_url: 'https://gitlab.example.com',
  registration_token: 'glrt-t1_instanceTokenAbc123',
  docker_registration_token: 'glrt-t1_dockerTokenXyz789',
  aws_s3_cache_access_key: 'AKIAEXAMPLEKEY',
  aws_s3_cache_secret_key: 'secret/with"quote\\and-backslash',
  capacity_per_instance: '1',
  max_use_count: '1',
  max_instances: '20',
  idle_count: '2',
  idle_time: '30m',
  docker_registry_url: 'registry.example.com',
  docker_registry_auth: 'dXNlcjpwYXNz',
  extra_hosts: '["gitlab.example.com:10.0.0.5","registry.example.com:10.0.0.6"]',
};
