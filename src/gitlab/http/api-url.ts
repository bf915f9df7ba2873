import { UserError } from '../../platform/errors.js';

/**
 * The API base for a configured GitLab URL (gitlab-runner-protocol.md §0.2): trailing `/` and a
 * trailing `/ci` stripped, then `/api/v4/` appended. Only http and https are accepted.
 */
export function apiBaseUrl(url: string): string {
  let base = url.trim().replace(/\/+$/, '');
  if (base.endsWith('/ci')) base = base.slice(0, -3).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch (err: unknown) {
    throw new UserError(`invalid GitLab URL: ${url}`, 'config_invalid', { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UserError(`GitLab URL must be http or https: ${url}`, 'config_invalid');
  }
  return `${base}/api/v4/`;
}
