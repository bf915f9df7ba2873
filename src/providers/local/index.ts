/** The local provider: on-demand instances on this machine, each its own SSH endpoint. */
export { createLocalProvider, type LocalProvider } from './local-provider.js';
export {
  localOptionsFromConfig,
  DEFAULT_LOCAL_MAX_INSTANCES,
  DEFAULT_LOCAL_PATH,
  type LocalProviderOptions,
} from './local-options.js';
export {
  startLocalSshServer,
  type LocalSshServer,
  type LocalSshServerOptions,
} from './local-ssh-server.js';
export {
  allowSearch,
  grantDirToJobUser,
  resolveLocalJobUser,
  LOCAL_JOB_USER,
  type LocalJobUser,
} from './local-user.js';
