/**
 * The container relay as a part of the sandbox's manager: already listening when the manager is
 * made (the config names its address), kept while jobs drain, stopped by the manager after them.
 */
import { createPart, type ManagerPart } from '../../manager/parts.js';
import type { ContainerRelay } from './container-relay.js';

export function containerRelayPart(relay: ContainerRelay): ManagerPart<{ url: string }> {
  return createPart(
    'container-relay',
    { start: () => undefined, stop: () => relay.stop(), status: () => ({ url: relay.url }) },
    { outlivesRunners: true, running: true },
  );
}
