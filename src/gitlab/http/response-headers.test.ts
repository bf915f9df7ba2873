import { describe, expect, it } from 'vitest';
import { apiBaseUrl } from './api-url.js';
import {
  errorMessage,
  isJsonContentType,
  isRetryableStatus,
  rangeLength,
  remoteJobState,
  serverRetryDelayMs,
  updateIntervalMs,
} from './response-headers.js';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

describe('apiBaseUrl', () => {
  it.each([
    ['https://gitlab.example.com', 'https://gitlab.example.com/api/v4/'],
    ['https://gitlab.example.com/', 'https://gitlab.example.com/api/v4/'],
    ['https://gitlab.example.com/ci', 'https://gitlab.example.com/api/v4/'],
    ['https://gitlab.example.com/ci/', 'https://gitlab.example.com/api/v4/'],
    ['http://host:8080/gitlab/', 'http://host:8080/gitlab/api/v4/'],
  ])('%s → %s', (url, base) => {
    expect(apiBaseUrl(url)).toBe(base);
  });

  it('refuses other schemes and garbage', () => {
    expect(() => apiBaseUrl('ftp://gitlab.example.com')).toThrow(/http or https/);
    expect(() => apiBaseUrl('not a url')).toThrow(/invalid GitLab URL/);
  });
});

describe('retry statuses and delays', () => {
  it('retries 408, 429, 500, 502, 503, 504 and ≥ 512 only', () => {
    const retried = [408, 429, 500, 502, 503, 504, 512, 599].filter(isRetryableStatus);
    expect(retried).toEqual([408, 429, 500, 502, 503, 504, 512, 599]);
    expect([200, 201, 400, 403, 404, 409, 416, 501, 505, 511].some(isRetryableStatus)).toBe(false);
  });

  it('prefers RateLimit-ResetTime over Retry-After', () => {
    const h = new Headers({
      'RateLimit-ResetTime': new Date(NOW + 7000).toUTCString(),
      'Retry-After': '60',
    });
    expect(serverRetryDelayMs(h, NOW)).toBe(7000);
  });

  it('uses Retry-After seconds, ignoring junk and past reset times', () => {
    expect(serverRetryDelayMs(new Headers({ 'Retry-After': '3' }), NOW)).toBe(3000);
    expect(serverRetryDelayMs(new Headers({ 'Retry-After': 'soon' }), NOW)).toBeUndefined();
    const past = new Headers({ 'RateLimit-ResetTime': new Date(NOW - 1000).toUTCString() });
    expect(serverRetryDelayMs(past, NOW)).toBeUndefined();
  });
});

describe('job headers', () => {
  it('caps the update interval at 15 minutes', () => {
    expect(updateIntervalMs(new Headers({ 'X-GitLab-Trace-Update-Interval': '60' }))).toBe(60_000);
    expect(updateIntervalMs(new Headers({ 'X-GitLab-Trace-Update-Interval': '3600' }))).toBe(
      900_000,
    );
    expect(
      updateIntervalMs(new Headers({ 'X-GitLab-Trace-Update-Interval': '0' })),
    ).toBeUndefined();
    expect(
      updateIntervalMs(new Headers({ 'X-GitLab-Trace-Update-Interval': 'x' })),
    ).toBeUndefined();
  });

  it('reads Job-Status', () => {
    expect(remoteJobState(new Headers({ 'Job-Status': 'canceling' }))).toEqual({
      status: 'canceling',
      aborted: false,
      cancelRequested: true,
    });
    expect(remoteJobState(new Headers({ 'Job-Status': 'canceled' })).aborted).toBe(true);
    expect(remoteJobState(new Headers({ 'Job-Status': 'failed' })).aborted).toBe(true);
    expect(remoteJobState(new Headers()).aborted).toBe(false);
  });

  it('reads the server trace length from Range', () => {
    expect(rangeLength(new Headers({ Range: '0-11' }))).toBe(11);
    expect(rangeLength(new Headers({ Range: '0-0' }))).toBe(0);
    expect(rangeLength(new Headers({ Range: '5-11' }))).toBeUndefined();
  });
});

describe('errorMessage', () => {
  it('reads both Rails error shapes', () => {
    expect(errorMessage('{"message":"403 Forbidden"}')).toBe('403 Forbidden');
    expect(
      errorMessage(
        '{"message":{"runner_projects.base":["Maximum number exceeded"],"tags":["a","b"]}}',
      ),
    ).toBe('runner_projects.base Maximum number exceeded; tags a, b');
    expect(errorMessage('<html>bad gateway</html>')).toBe('<html>bad gateway</html>');
    expect(errorMessage('')).toBeUndefined();
  });

  it('recognises JSON content types with parameters', () => {
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType(null)).toBe(false);
  });
});
