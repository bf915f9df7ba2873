import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import {
  testDockerExecutor,
  NO_RESOURCES,
  dockerJob,
  dockerRunner,
  ensureTestImages,
  labelled,
  TEST_JOB_IMAGE,
  uniqueJobId,
} from '../../../test/support/docker.js';
import type { TestSshd } from '../../../test/support/sshd.js';
import { startSshdConnection } from '../../../test/support/sshd-dial.js';
import { runJob } from '../testing/executor-harness.js';
import { makeTempDir } from '../testing/job-fixture.js';

let sshd: TestSshd;
let ssh: InstanceConnection;
let tmp: { dir: string; remove: () => void };
const socketsOpened: string[] = [];

/** The SSH connection, recording every unix socket the executor asks it for. */
function recording(inner: InstanceConnection): InstanceConnection {
  return {
    instanceId: inner.instanceId,
    get closed() {
      return inner.closed;
    },
    exec: (command, options) => inner.exec(command, options),
    openTcp: (host, port) => inner.openTcp(host, port),
    close: () => inner.close(),
    openUnixSocket: (path) => {
      socketsOpened.push(path);
      return inner.openUnixSocket(path);
    },
  };
}

beforeAll(async () => {
  await ensureTestImages();
  tmp = makeTempDir('spotrunner-docker-ssh-');
  ({ sshd, conn: ssh } = await startSshdConnection('sshd-docker'));
});

afterAll(async () => {
  await ssh?.close();
  await sshd?.stop();
  tmp?.remove();
});

describe('docker executor through an SSH tunnel (OpenSSH streamlocal forwarding)', () => {
  it('runs a job with a service, all Docker API traffic going through the tunnel', async () => {
    // [runners.docker] host names the socket on the instance; here a link to the real one.
    const socket = join(tmp.dir, 'docker.sock');
    symlinkSync('/var/run/docker.sock', socket);
    const id = uniqueJobId();
    const job = dockerJob(
      {
        id,
        variables: [{ key: 'GREETING', value: 'over-ssh' }],
        script: [
          'echo "greeting=$GREETING"',
          'curl -sSf http://web:8080/hostname && echo service-reached',
        ],
        afterScript: ['echo after-over-ssh'],
      },
      {
        services: [
          {
            name: TEST_JOB_IMAGE,
            alias: 'web',
            command: ['busybox', 'httpd', '-f', '-p', '8080', '-h', '/etc'],
            ports: [{ number: 8080 }],
          },
        ],
      },
    );
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      connection: recording(ssh),
      executor: testDockerExecutor(),
      runner: dockerRunner({ host: `unix://${socket}` }),
    });
    expect(outcome, trace.plain).toEqual({ result: 'success', message: 'Job succeeded' });
    expect(trace.plain).toContain('greeting=over-ssh');
    expect(trace.plain).toContain('service-reached');
    expect(trace.plain).toContain('after-over-ssh');
    expect(socketsOpened.length).toBeGreaterThan(0);
    expect(new Set(socketsOpened)).toEqual(new Set([socket]));
    expect(await labelled(`spotrunner.job=${id}`)).toEqual(NO_RESOURCES);
  });
});
