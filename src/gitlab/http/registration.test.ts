import { afterEach, describe, expect, it } from 'vitest';
import { SpotrunnerError, UserError } from '../../platform/errors.js';
import { clientHarness, RUNNER_TOKEN, SYSTEM_ID } from '../testing/client-harness.js';
import { startHttpDouble, type Handler, type HttpDouble } from '../testing/http-double.js';

let server: HttpDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: Handler, token?: string) {
  server = await startHttpDouble(handler);
  return clientHarness(server.url, token !== undefined ? { token } : {});
}

describe('verify', () => {
  it('reads id, token and expiry and sends system_id and info', async () => {
    const h = await serve(() => ({
      status: 200,
      body: { id: 12345, token: RUNNER_TOKEN, token_expires_at: '2026-09-27T21:05:03.203Z' },
    }));
    expect(await h.run(h.client.verify())).toEqual({
      valid: true,
      id: 12345,
      token: RUNNER_TOKEN,
      tokenExpiresAtMs: Date.parse('2026-09-27T21:05:03.203Z'),
    });
    const req = server!.requests[0]!;
    expect(req.path).toBe('/api/v4/runners/verify');
    expect(req.json).toMatchObject({
      token: RUNNER_TOKEN,
      system_id: SYSTEM_ID,
      info: { features: { cancel_gracefully: true } },
    });
  });

  it('accepts the legacy text 200 by asking again without expecting JSON', async () => {
    const h = await serve(() => ({
      status: 200,
      headers: { 'Content-Type': 'text/plain' },
      body: '200',
    }));
    expect(await h.run(h.client.verify())).toEqual({ valid: true });
    expect(server!.requests.map((r) => r.headers.accept)).toEqual(['application/json', '*/*']);
  });

  it('treats 403 as an invalid or removed runner', async () => {
    const h = await serve(() => ({ status: 403, body: { message: '403 Forbidden' } }));
    expect(await h.run(h.client.verify())).toEqual({ valid: false, message: '403 Forbidden' });
  });

  it('throws on other answers instead of calling the token invalid', async () => {
    const h = await serve(() => ({ status: 422, body: { message: 'Runner is orphaned' } }));
    await expect(h.run(h.client.verify())).rejects.toThrow(/HTTP 422: Runner is orphaned/);
  });
});

describe('register', () => {
  it('registers with a legacy registration token through POST /runners', async () => {
    const h = await serve(
      () => ({ status: 201, body: { id: 9, token: 't1_newtoken', token_expires_at: null } }),
      '',
    );
    const result = await h.run(
      h.client.register('GR1348941abcdef', {
        description: 'spot',
        tagList: ['aws', 'spot'],
        maximumTimeoutSeconds: 3600,
      }),
    );
    expect(result).toEqual({
      id: 9,
      token: 't1_newtoken',
      tokenObtainedAtMs: h.clock.now(),
      flow: 'legacy',
    });
    expect(server!.requests[0]!.path).toBe('/api/v4/runners');
    expect(server!.requests[0]!.json).toMatchObject({
      token: 'GR1348941abcdef',
      description: 'spot',
      tag_list: 'aws,spot',
      run_untagged: false,
      locked: true,
      paused: false,
      maximum_timeout: 3600,
      info: { name: 'spotrunner' },
    });
  });

  it.each([
    [403, /check the registration token/],
    [410, /registration tokens are disabled/],
    [400, /Maximum number of ci registered project runners/],
  ])('turns HTTP %i into a user error', async (status, message) => {
    const h = await serve(() => ({
      status,
      body: {
        message: {
          'runner_projects.base': ['Maximum number of ci registered project runners (3) exceeded'],
        },
      },
    }));
    const err = await h.run(h.client.register('GR1348941abcdef')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
  });

  it('registers a glrt- token through verify, never POST /runners', async () => {
    const h = await serve(
      () => ({ status: 200, body: { id: 31, token: 'glrt-t2_created', token_expires_at: null } }),
      '',
    );
    const result = await h.run(h.client.register('glrt-t2_created'));
    expect(result).toMatchObject({ id: 31, token: 'glrt-t2_created', flow: 'verify' });
    expect(server!.requests.map((r) => r.path)).toEqual(['/api/v4/runners/verify']);
  });

  it('refuses server-side settings for a glrt- token without calling GitLab', async () => {
    const h = await serve(() => ({ status: 200, body: {} }), '');
    await expect(
      h.run(h.client.register('glrt-t2_created', { tagList: ['x'], locked: false })),
    ).rejects.toThrow(/set tagList, locked there/);
    expect(server!.requests).toHaveLength(0);
  });

  it('aborts a glrt- registration when verify returns no id', async () => {
    const h = await serve(
      () => ({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: '200' }),
      '',
    );
    await expect(h.run(h.client.register('glrt-t2_created'))).rejects.toThrow(
      /did not return a runner id/,
    );
  });
});

describe('unregister', () => {
  it('deletes only this machine’s runner manager for a glrt- token', async () => {
    const h = await serve(() => ({ status: 204 }));
    expect(await h.run(h.client.unregister())).toEqual({ ok: true, status: 204 });
    expect(server!.requests[0]).toMatchObject({
      method: 'DELETE',
      path: '/api/v4/runners/managers',
    });
    expect(server!.requests[0]!.json).toEqual({ token: RUNNER_TOKEN, system_id: SYSTEM_ID });
  });

  it('deletes the runner for a legacy token', async () => {
    const h = await serve(() => ({ status: 204 }), 't1_legacyrunnertoken');
    await h.run(h.client.unregister());
    expect(server!.requests[0]).toMatchObject({ method: 'DELETE', path: '/api/v4/runners' });
    expect(server!.requests[0]!.json).toEqual({ token: 't1_legacyrunnertoken' });
  });

  it('reports a missing manager', async () => {
    const h = await serve(() => ({
      status: 404,
      body: { message: '404 Runner manager not found' },
    }));
    expect(await h.run(h.client.unregister())).toEqual({
      ok: false,
      status: 404,
      message: '404 Runner manager not found',
    });
  });

  it('throws on a transport error', async () => {
    const h = await serve(() => 'drop');
    await expect(h.run(h.client.unregister())).rejects.toBeInstanceOf(SpotrunnerError);
  });
});
