/**
 * `spotrunner sandbox-ctl` mistakes are the user's: an unknown job or pipeline, or a URL where no
 * sandbox answers, print one line and exit 2 (not an internal error with a stack, exit 1).
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../src/sandbox/testing/sandbox-harness.js';
import { runCli } from './cli-process.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('spotrunner sandbox-ctl', () => {
  it('answers an unknown job with one line and exit 2', async () => {
    h = await startHarness({ ci: 'a:\n  script: x\n' });
    const run = await runCli(['sandbox-ctl', '--url', h.url, 'job', '4242']);

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toBe('spotrunner: sandbox /jobs/4242: 404 Job Not Found\n');
  });

  it('answers an unknown pipeline and a trace of an unknown job the same way', async () => {
    h = await startHarness({ ci: 'a:\n  script: x\n' });
    const status = await runCli(['sandbox-ctl', '--url', h.url, 'status', '77']);
    const trace = await runCli(['sandbox-ctl', '--url', h.url, 'trace', '4242']);

    expect([status.code, trace.code]).toEqual([2, 2]);
    expect(status.stderr).toBe('spotrunner: sandbox /pipelines/77: 404 Pipeline Not Found\n');
    expect(trace.stderr).toBe('spotrunner: sandbox /jobs/4242/trace: 404 Job Not Found\n');
  });

  it('answers a URL where nothing listens with one line and exit 2', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await runCli(['sandbox-ctl', '--url', url, 'projects']);

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toBe(
      `spotrunner: cannot reach the sandbox at ${url} (ECONNREFUSED); is \`spotrunner sandbox --keep\` running there?\n`,
    );
  });

  it('refuses a --url that is not an http URL', async () => {
    const run = await runCli(['sandbox-ctl', '--url', 'localhost:8080', 'projects']);

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('--url must be the http:// URL');
  });
});
