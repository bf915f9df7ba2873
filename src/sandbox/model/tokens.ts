/** Token and id generators shaped like GitLab's (protocol §1.1). */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 63];
  return out;
}

/** A created runner's authentication token (`glrt-t1_…`). */
export function newCreatedRunnerToken(): string {
  return `glrt-t1_${randomToken(20)}`;
}

/** A runner token obtained through legacy registration (`t1_…`, no `glrt-`). */
export function newLegacyRunnerToken(): string {
  return `t1_${randomToken(20)}`;
}

/** A job token (`glcbt-<partition hex>_…`). */
export function newJobToken(): string {
  return `glcbt-64_${randomToken(20)}`;
}

/** A legacy registration token (`GR1348941…`). */
export function newRegistrationToken(): string {
  return `GR1348941${randomToken(20).replace(/[-_]/g, 'x')}`;
}

/** A runner queue value for `X-GitLab-Last-Update`. */
export function newQueueValue(): string {
  return randomBytes(16).toString('hex');
}
