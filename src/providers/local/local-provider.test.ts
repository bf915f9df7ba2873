import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SystemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { describeProviderContract } from '../provider.contract.js';
import { createLocalProvider } from './local-provider.js';

describeProviderContract('local', async () => {
  const clock = new SystemClock();
  const dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-local-contract-'));
  const provider = createLocalProvider(
    { clock, logger: silentLogger },
    { dir, maxInstances: 4, bootDelayMs: 100 },
  );
  return {
    provider,
    clock,
    cleanup: async () => {
      await provider.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
