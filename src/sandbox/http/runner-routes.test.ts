import { afterEach, describe, expect, it } from 'vitest';
import { postJson, requestJob, startHarness, type Harness } from '../testing/sandbox-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const CI = 'a:\n  script: echo\n';

describe('runner registration endpoints', () => {
  it('registers a legacy runner with the registration token and a non-glrt token', async () => {
    h = await startHarness({ ci: CI });
    const res = await postJson(`${h.url}/api/v4/runners`, {
      token: h.server.registrationToken,
      description: 'legacy',
      tag_list: 'docker, linux',
      run_untagged: false,
      locked: true,
      paused: false,
      maximum_timeout: 3600,
    });
    expect(res.status).toBe(201);
    const body = res.json() as { id: number; token: string; token_expires_at: null };
    expect(body.token).toMatch(/^t1_/);
    expect(body.token_expires_at).toBeNull();
    expect(h.server.runners().find((r) => r.id === body.id)).toMatchObject({
      tags: ['docker', 'linux'],
      runUntagged: false,
      locked: true,
      maximumTimeoutS: 3600,
      legacy: true,
    });
  });

  it('refuses registration without token (400), with a bad token (403) and invalid fields (400)', async () => {
    h = await startHarness({ ci: CI });
    expect((await postJson(`${h.url}/api/v4/runners`, {})).status).toBe(400);
    expect((await postJson(`${h.url}/api/v4/runners`, { token: 'GR1348941nope' })).status).toBe(
      403,
    );
    const invalid = await postJson(`${h.url}/api/v4/runners`, {
      token: h.server.registrationToken,
      maximum_timeout: 60,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toEqual({
      message: { maximum_timeout: ['needs to be at least 10 minutes'] },
    });
  });

  it('answers 410 when registration tokens are disabled', async () => {
    h = await startHarness({ ci: CI, server: { registrationEnabled: false } });
    expect(
      (await postJson(`${h.url}/api/v4/runners`, { token: h.server.registrationToken })).status,
    ).toBe(410);
  });

  it('verifies a created runner and records its manager', async () => {
    h = await startHarness({ ci: CI });
    expect(h.runnerToken).toMatch(/^glrt-t1_/);
    const ok = await postJson(`${h.url}/api/v4/runners/verify`, {
      token: h.runnerToken,
      system_id: 's_abcdefabcdef',
      info: {},
    });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ token: h.runnerToken, token_expires_at: null });
    expect(h.server.runners()[0]?.managers.map((m) => m.systemId)).toEqual(['s_abcdefabcdef']);
    expect((await postJson(`${h.url}/api/v4/runners/verify`, { token: 'glrt-gone' })).status).toBe(
      403,
    );
    expect((await postJson(`${h.url}/api/v4/runners/verify`, {})).status).toBe(400);
  });

  it('deletes a manager (404 when unknown) and a runner', async () => {
    h = await startHarness({ ci: CI });
    await requestJob(h.url, h.runnerToken, { systemId: 's_111111111111' });
    const url = `${h.url}/api/v4/runners/managers`;
    expect((await postJson(url, { token: h.runnerToken }, 'DELETE')).status).toBe(400);
    expect(
      (await postJson(url, { token: h.runnerToken, system_id: 's_999999999999' }, 'DELETE')).status,
    ).toBe(404);
    expect(
      (await postJson(url, { token: h.runnerToken, system_id: 's_111111111111' }, 'DELETE')).status,
    ).toBe(204);
    expect(
      (await postJson(`${h.url}/api/v4/runners`, { token: h.runnerToken }, 'DELETE')).status,
    ).toBe(204);
    expect((await requestJob(h.url, h.runnerToken)).status).toBe(403);
  });

  it('resets the authentication token and forgets the old one', async () => {
    h = await startHarness({ ci: CI });
    const res = await postJson(`${h.url}/api/v4/runners/reset_authentication_token`, {
      token: h.runnerToken,
    });
    expect(res.status).toBe(201);
    const fresh = (res.json() as { token: string }).token;
    expect(fresh).toMatch(/^glrt-/);
    expect(fresh).not.toBe(h.runnerToken);
    expect((await requestJob(h.url, h.runnerToken)).status).toBe(403);
    expect((await requestJob(h.url, fresh)).status).toBe(201);
  });

  it('echoes X-Request-Id', async () => {
    h = await startHarness({ ci: CI });
    const res = await fetch(`${h.url}/api/v4/runners/verify`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'abc123' },
      body: JSON.stringify({ token: h.runnerToken }),
    });
    expect(res.headers.get('x-request-id')).toBe('abc123');
  });
});
