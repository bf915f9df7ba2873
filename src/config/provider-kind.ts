import type { ProviderKind } from './provider-types.js';

export type { ProviderKind };

const KINDS = ['aws', 'static', 'local', 'sim'] as const;

/**
 * Which provider drives a fleeting `plugin` reference. Accepts the forms gitlab-runner accepts:
 * `aws`, `aws:latest`, `aws:1`, a binary name `fleeting-plugin-aws` (or a path to it), and an OCI
 * reference `registry.gitlab.com/gitlab-org/fleeting/plugins/aws:0.5`. Anything else is `unknown`.
 */
export function providerKindOf(plugin: string): ProviderKind | 'unknown' {
  let name = plugin.trim().toLowerCase();
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  name = name
    .replace(/@.*$/, '')
    .replace(/:.*$/, '')
    .replace(/\.exe$/, '');
  name = name.replace(/^fleeting-plugin-/, '');
  return (KINDS as readonly string[]).includes(name) ? (name as ProviderKind) : 'unknown';
}
