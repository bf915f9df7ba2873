import { beforeAll } from 'vitest';
import { createProcessConnection } from '../../connect/process-connection.js';
import { jobPayloadSchema } from '../../gitlab/job-payload.js';
import { SystemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { ensureTestImages, TEST_JOB_IMAGE } from '../../../test/support/docker.js';
import { describeExecutorContract } from '../executor.contract.js';
import { createDockerExecutor } from './docker-executor.js';

beforeAll(async () => {
  await ensureTestImages();
});

describeExecutorContract('docker over local processes', {
  executor: () =>
    createDockerExecutor(
      { logger: silentLogger, clock: new SystemClock() },
      { killGraceMs: 2000, settleMs: 2000 },
    ),
  connection: (dir) =>
    Promise.resolve(createProcessConnection({ instanceId: 'local-1', cwd: dir })),
  prepareJob: (job) => jobPayloadSchema.parse({ ...job, image: { name: TEST_JOB_IMAGE } }),
  testTimeoutMs: 60_000,
});
