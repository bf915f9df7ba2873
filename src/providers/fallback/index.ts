/** A primary instance group with a fallback group behind it (spot first, on-demand after). */
export {
  createFallbackProvider,
  type FallbackProvider,
  type FallbackProviderOptions,
  type FallbackStatus,
} from './fallback-provider.js';
