import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decideAccess,
  isLoopback,
  sessionValue,
  SESSION_MS,
  type AccessDecision,
} from './dashboard-access.js';

const NOW = Date.UTC(2026, 11, 6, 12);
const REMOTE = '10.1.2.3';
let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-access-'));
  file = join(dir, 'token');
  await writeFile(file, ' s3cret \n');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function decide(
  remoteAddress: string,
  headers: Record<string, string> = {},
  o: { queryToken?: string; nowMs?: number; tokenFile?: string } = {},
): Promise<AccessDecision> {
  return decideAccess(
    {
      remoteAddress,
      header: (name) => headers[name],
      ...(o.queryToken !== undefined ? { queryToken: o.queryToken } : {}),
    },
    o.tokenFile ?? file,
    o.nowMs ?? NOW,
  );
}

describe('dashboard access', () => {
  it('knows loopback addresses, v4, v6 and v4-mapped', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(a)).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '', '1.27.0.0'])
      expect(isLoopback(a)).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
  });

  it('lets a remote client in by bearer token only when it matches the file', async () => {
    expect(await decide(REMOTE)).toEqual({
      allowed: false,
      via: 'wrong-token',
      reason: 'a token is required',
    });
    expect(await decide(REMOTE, { authorization: 'Bearer s3cret' })).toEqual({
      allowed: true,
      via: 'bearer',
    });
    expect((await decide(REMOTE, { authorization: 'Bearer s3cre' })).allowed).toBe(false);
    expect((await decide(REMOTE, { authorization: 'Basic s3cret' })).allowed).toBe(false);
    const missing = join(dir, 'missing');
    const noFile = await decide(REMOTE, { authorization: 'Bearer x' }, { tokenFile: missing });
    expect(noFile.allowed).toBe(false);
    expect(await decide('::1', {}, { tokenFile: missing })).toEqual({
      allowed: true,
      via: 'loopback',
    });
    // A proxy on the same host: its clients are not loopback.
    expect((await decide('127.0.0.1', { forwarded: 'for=10.1.2.3' })).allowed).toBe(false);
    expect((await decide('127.0.0.1', { 'x-forwarded-for': '10.1.2.3' })).allowed).toBe(false);
  });

  it('turns ?token= into a session that ends after a day or when the token changes', async () => {
    const opened = await decide(REMOTE, {}, { queryToken: 's3cret' });
    expect(opened).toEqual({
      allowed: true,
      via: 'query',
      setCookie: sessionValue('s3cret', NOW + SESSION_MS),
    });
    expect((await decide(REMOTE, {}, { queryToken: 'nope' })).allowed).toBe(false);
    const value = opened.allowed && opened.via === 'query' ? opened.setCookie : '';
    expect(value).not.toContain('s3cret');
    const cookie = `a=b; spotrunner_dashboard=${value}`;
    expect(await decide(REMOTE, { cookie })).toEqual({ allowed: true, via: 'cookie' });
    const later = { nowMs: NOW + SESSION_MS };
    expect((await decide(REMOTE, { cookie }, later)).allowed).toBe(false);
    // A later expiry written by hand does not match the HMAC.
    const forged = `spotrunner_dashboard=${NOW + 2 * SESSION_MS}.${value.split('.')[1]}`;
    expect((await decide(REMOTE, { cookie: forged })).allowed).toBe(false);
    expect((await decide(REMOTE, { cookie: 'spotrunner_dashboard=s3cret' })).allowed).toBe(false);
    await writeFile(file, 'another');
    expect((await decide(REMOTE, { cookie })).allowed).toBe(false);
  });
});
