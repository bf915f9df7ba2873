import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideAccess, isLoopback, sessionValue } from './dashboard-access.js';

const request = (
  remoteAddress: string,
  headers: Record<string, string> = {},
  queryToken?: string,
) => ({
  remoteAddress,
  header: (name: string) => headers[name],
  ...(queryToken !== undefined ? { queryToken } : {}),
});

describe('dashboard access', () => {
  it('knows loopback addresses, v4, v6 and v4-mapped', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(a)).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '', '1.27.0.0'])
      expect(isLoopback(a)).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
  });

  it('lets a remote client in by bearer token, session cookie or ?token=, nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dashboard-access-'));
    try {
      const file = join(dir, 'token');
      await writeFile(file, ' s3cret \n');
      const remote = '10.1.2.3';
      expect(await decideAccess(request(remote), file)).toEqual({
        allowed: false,
        reason: 'a token is required',
      });
      expect(await decideAccess(request(remote, { authorization: 'Bearer s3cret' }), file)).toEqual(
        {
          allowed: true,
          via: 'bearer',
        },
      );
      expect(
        (await decideAccess(request(remote, { authorization: 'Basic s3cret' }), file)).allowed,
      ).toBe(false);
      const cookie = `a=b; spotrunner_dashboard=${sessionValue('s3cret')}`;
      expect(await decideAccess(request(remote, { cookie }), file)).toEqual({
        allowed: true,
        via: 'cookie',
      });
      expect(
        (await decideAccess(request(remote, { cookie: 'spotrunner_dashboard=s3cret' }), file))
          .allowed,
      ).toBe(false);
      expect(await decideAccess(request(remote, {}, 's3cret'), file)).toEqual({
        allowed: true,
        via: 'query',
        setCookie: sessionValue('s3cret'),
      });
      // A proxy on the same host: its clients are not loopback.
      expect(
        (await decideAccess(request('127.0.0.1', { forwarded: 'for=10.1.2.3' }), file)).allowed,
      ).toBe(false);
      expect(await decideAccess(request('::1'), join(dir, 'missing'))).toEqual({
        allowed: true,
        via: 'loopback',
      });
      expect(
        (await decideAccess(request(remote, { authorization: 'Bearer x' }), join(dir, 'missing')))
          .allowed,
      ).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
