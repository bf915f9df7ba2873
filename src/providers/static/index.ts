/** The static provider: a fixed list of SSH hosts used as a pool. */
export { createStaticProvider } from './static-provider.js';
export {
  staticOptionsFromConfig,
  staticHostId,
  checkStaticHosts,
  type StaticHost,
  type StaticProviderOptions,
} from './static-options.js';
