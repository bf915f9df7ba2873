import { VirtualClock } from '../platform/clock.js';
import { describeProviderContract } from '../providers/provider.contract.js';
import { createSelfProvider } from './self-provider.js';

// The manager as its only instance: a group of one, run as local processes (never dialed).
describeProviderContract(
  'self',
  async () => {
    const clock = new VirtualClock();
    const provider = createSelfProvider({ clock });
    return {
      provider,
      clock,
      advance: (ms) => clock.advance(ms),
      cleanup: () => provider.shutdown(),
    };
  },
  { reachedOverSsh: false },
);
