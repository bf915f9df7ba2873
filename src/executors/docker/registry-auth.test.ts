import { describe, expect, it } from 'vitest';
import { resolveRegistryAuth } from './registry-auth.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const gitlabRegistry = {
  type: 'registry',
  url: 'registry.example.com:5005',
  username: 'gitlab-ci-token',
  password: 'job-token',
};

describe('registry credentials', () => {
  it('matches DOCKER_AUTH_CONFIG entries by registry host and decodes auth', () => {
    const config = JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub-user:hub-pass') },
        'registry.example.com:5005': { auth: b64('deploy:pa:ss') },
      },
    });
    expect(
      resolveRegistryAuth('registry.example.com:5005/acme/app:1', {
        dockerAuthConfig: config,
        credentials: [gitlabRegistry],
      }),
    ).toEqual({
      found: {
        auth: { username: 'deploy', password: 'pa:ss', serveraddress: 'registry.example.com:5005' },
        source: 'DOCKER_AUTH_CONFIG',
      },
      warnings: [],
    });
    expect(
      resolveRegistryAuth('alpine:3', { dockerAuthConfig: config, credentials: [] }).found?.auth,
    ).toEqual({ username: 'hub-user', password: 'hub-pass', serveraddress: 'docker.io' });
  });

  it("falls back to the job's registry credentials for the same host", () => {
    expect(
      resolveRegistryAuth('registry.example.com:5005/acme/app', {
        dockerAuthConfig: '',
        credentials: [{ ...gitlabRegistry, type: 'other' }, gitlabRegistry],
      }).found,
    ).toEqual({
      auth: {
        username: 'gitlab-ci-token',
        password: 'job-token',
        serveraddress: 'registry.example.com:5005',
      },
      source: 'job payload (GitLab Registry)',
    });
  });

  it('sends no credentials to another registry', () => {
    expect(
      resolveRegistryAuth('ghcr.io/acme/app', {
        dockerAuthConfig: '',
        credentials: [gitlabRegistry],
      }),
    ).toEqual({ warnings: [] });
  });

  it('warns about a DOCKER_AUTH_CONFIG that is not JSON instead of failing', () => {
    const lookup = resolveRegistryAuth('registry.example.com:5005/app', {
      dockerAuthConfig: '{not json',
      credentials: [gitlabRegistry],
    });
    expect(lookup.warnings).toEqual(['DOCKER_AUTH_CONFIG is not valid JSON; ignored']);
    expect(lookup.found?.source).toBe('job payload (GitLab Registry)');
  });
});
