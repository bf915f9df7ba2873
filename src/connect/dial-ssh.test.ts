import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestSshd } from '../../test/support/sshd.js';
import { dialTestSsh, sshdConnectInfo, startSshdConnection } from '../../test/support/sshd-dial.js';
import type { InstanceConnection } from './connection.js';
import { pickAddress } from './dial-ssh.js';

let sshd: TestSshd;
let conn: InstanceConnection;

beforeAll(async () => {
  ({ sshd, conn } = await startSshdConnection('sshd-1'));
});

afterAll(async () => {
  await conn?.close();
  await sshd?.stop();
});

describe('dialSsh exec against OpenSSH', () => {
  it('returns the exit code of the command', async () => {
    expect(await conn.exec('exit 0')).toEqual({ exitCode: 0 });
    expect(await conn.exec('exit 42')).toEqual({ exitCode: 42 });
    expect(await conn.exec('false')).toEqual({ exitCode: 1 });
  });

  it('keeps the exit status and output of short commands run side by side', async () => {
    // A short command's exit status can come in the same TCP read as the channel confirmation;
    // a listener attached after an await missed it (about one in four here, before the fix).
    const outputs: string[] = [];
    const results: (number | null)[] = [];
    for (let round = 0; round < 30; round++) {
      const batch = await Promise.all(
        [0, 1, 2, 3, 4].map(async (i) => {
          let out = '';
          const r = await conn.exec(`echo r${round}c${i}; exit 3`, {
            onStdout: (c) => (out += c.toString()),
          });
          outputs.push(out.trim() === `r${round}c${i}` ? 'ok' : `bad:${out}`);
          return r.exitCode;
        }),
      );
      results.push(...batch);
    }
    expect(results.filter((code) => code !== 3)).toEqual([]);
    expect(outputs.filter((o) => o !== 'ok')).toEqual([]);
  });

  it('reports the signal when the command dies from one', async () => {
    expect(await conn.exec('kill -TERM $$')).toEqual({ exitCode: null, signal: 'TERM' });
  });

  it('streams stdout and stderr separately and in order', async () => {
    const events: string[] = [];
    const result = await conn.exec(
      'echo out1; sleep 0.2; echo err1 >&2; sleep 0.2; echo out2; sleep 0.2; echo err2 >&2',
      {
        onStdout: (c) => events.push(`out:${c.toString().trim()}`),
        onStderr: (c) => events.push(`err:${c.toString().trim()}`),
      },
    );
    expect(result.exitCode).toBe(0);
    expect(events).toEqual(['out:out1', 'err:err1', 'out:out2', 'err:err2']);
  });

  it('delivers output while the command is still running', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-stream-'));
    const go = path.join(dir, 'go');
    try {
      let seen = '';
      const result = await conn.exec(
        `echo ready; while [ ! -e ${go} ]; do sleep 0.05; done; echo finished`,
        {
          onStdout: (chunk) => {
            seen += chunk.toString();
            // Only a streamed first line lets the command finish at all.
            if (seen === 'ready\n') void writeFile(go, '');
          },
        },
      );
      expect(result.exitCode).toBe(0);
      expect(seen).toBe('ready\nfinished\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('feeds stdin from a string, a buffer and a stream', async () => {
    let out = '';
    await conn.exec('cat', { stdin: 'from a string\n', onStdout: (c) => (out += c.toString()) });
    expect(out).toBe('from a string\n');
    out = '';
    await conn.exec('tr a-z A-Z', {
      stdin: Buffer.from('buffer'),
      onStdout: (c) => (out += c.toString()),
    });
    expect(out).toBe('BUFFER');
    out = '';
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    await conn.exec('wc -c', {
      stdin: Readable.from([big]),
      onStdout: (c) => (out += c.toString()),
    });
    expect(out.trim()).toBe(String(big.length));
  });

  it('closes stdin when none is given, so readers see end of file', async () => {
    let out = '';
    const result = await conn.exec('cat; echo eof', { onStdout: (c) => (out += c.toString()) });
    expect(result.exitCode).toBe(0);
    expect(out).toBe('eof\n');
  });

  it('carries large output completely', async () => {
    let bytes = 0;
    let stderrBytes = 0;
    const result = await conn.exec(
      "head -c 8000000 /dev/zero | tr '\\0' a; head -c 100000 /dev/zero | tr '\\0' b >&2",
      { onStdout: (c) => (bytes += c.length), onStderr: (c) => (stderrBytes += c.length) },
    );
    expect(result.exitCode).toBe(0);
    expect(bytes).toBe(8_000_000);
    expect(stderrBytes).toBe(100_000);
  });

  it('runs several commands at once on one connection', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(async (n) => {
        let out = '';
        await conn.exec(`sleep 0.1; echo ${n}`, { onStdout: (c) => (out += c.toString()) });
        return out.trim();
      }),
    );
    expect(results).toEqual(['1', '2', '3', '4', '5']);
  });

  it('rejects an exec that is aborted before it starts', async () => {
    await expect(conn.exec('true', { signal: AbortSignal.abort() })).rejects.toThrow();
  });

  it('reports a closed connection and refuses new commands on it', async () => {
    const other = await dialTestSsh(sshdConnectInfo(sshd, 'sshd-1'));
    expect(other.closed).toBe(false);
    await other.close();
    expect(other.closed).toBe(true);
    await expect(other.exec('true')).rejects.toMatchObject({ code: 'connect', retryable: true });
  });
});

describe('pickAddress', () => {
  const base = sshdConnectInfo({ host: '10.0.0.1', port: 22 } as TestSshd, 'sshd-1');
  it('prefers the internal address unless the external one is asked for', () => {
    const both = { ...base, internalAddr: '10.0.0.1', externalAddr: '203.0.113.9' };
    expect(pickAddress(both)).toBe('10.0.0.1');
    expect(pickAddress({ ...both, useExternalAddr: true })).toBe('203.0.113.9');
  });
  it('falls back to whichever address exists', () => {
    expect(pickAddress({ ...base, internalAddr: undefined, externalAddr: '203.0.113.9' })).toBe(
      '203.0.113.9',
    );
    expect(pickAddress({ ...base, internalAddr: '10.0.0.1', useExternalAddr: true })).toBe(
      '10.0.0.1',
    );
    expect(pickAddress({ ...base, internalAddr: undefined })).toBeUndefined();
  });
});
