import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createProcessConnection } from './process-connection.js';
import { makeTempDir } from '../executors/testing/job-fixture.js';

function collect(): { chunks: Buffer[]; text: () => string } {
  const chunks: Buffer[] = [];
  return { chunks, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('createProcessConnection', () => {
  it('runs a command in the working directory and reports its exit code and output', async () => {
    const tmp = makeTempDir();
    try {
      const conn = createProcessConnection({ instanceId: 'local-1', cwd: tmp.dir });
      const out = collect();
      const err = collect();
      const result = await conn.exec('pwd; echo oops >&2; exit 3', {
        onStdout: (c) => out.chunks.push(c),
        onStderr: (c) => err.chunks.push(c),
      });
      expect(result.exitCode).toBe(3);
      expect(out.text().trim()).toBe(tmp.dir);
      expect(err.text()).toBe('oops\n');
    } finally {
      tmp.remove();
    }
  });

  it('feeds stdin and passes the configured environment', async () => {
    const conn = createProcessConnection({
      instanceId: 'l',
      cwd: '/',
      env: { GREETING: 'hi', PATH: '/usr/bin:/bin' },
    });
    const out = collect();
    const result = await conn.exec('read -r line; echo "$GREETING $line"', {
      stdin: 'there\n',
      onStdout: (c) => out.chunks.push(c),
    });
    expect(result.exitCode).toBe(0);
    expect(out.text()).toBe('hi there\n');
  });

  it('kills the whole process group when the exec is aborted', async () => {
    const conn = createProcessConnection({ instanceId: 'l', cwd: '/' });
    const marker = `marker-${randomUUID()}`;
    const abort = new AbortController();
    const started = collect();
    const running = conn.exec(`bash -c 'sleep 1000; echo ${marker}' & echo started; wait`, {
      signal: abort.signal,
      onStdout: (c) => {
        started.chunks.push(c);
        if (started.text().includes('started')) abort.abort();
      },
    });
    const result = await running;
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('KILL');
    const check = collect();
    await conn.exec(
      `ps -eo stat=,args= | grep -v grep | grep -v '^Z' | grep -c ${marker} || true`,
      {
        onStdout: (c) => check.chunks.push(c),
      },
    );
    expect(check.text().trim()).toBe('0');
  });

  it('refuses to exec after close', async () => {
    const conn = createProcessConnection({ instanceId: 'l', cwd: '/' });
    await conn.close();
    expect(conn.closed).toBe(true);
    await expect(conn.exec('true')).rejects.toThrow(/closed/);
  });

  it('opens TCP streams to local ports', async () => {
    const server = createServer((socket) => socket.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const conn = createProcessConnection({ instanceId: 'l', cwd: '/' });
      const stream = await conn.openTcp('127.0.0.1', (server.address() as AddressInfo).port);
      const data = await new Promise<string>((resolve) => {
        let text = '';
        stream.on('data', (c: Buffer) => (text += c.toString()));
        stream.on('end', () => resolve(text));
      });
      expect(data).toBe('pong');
    } finally {
      server.close();
    }
  });
});
