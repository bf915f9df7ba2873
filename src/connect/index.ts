export type { ExecOptions, ExecResult, InstanceConnection } from './connection.js';
export type { ConnectorDefaults } from './connector-defaults.js';
export {
  dialSsh,
  pickAddress,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_SSH_PORT,
  KEEPALIVE_COUNT_MAX,
  type DialDeps,
  type DialOptions,
} from './dial-ssh.js';
export {
  createHostKeyStore,
  type HostKeyStore,
  type HostKeyStoreOptions,
  type HostKeyVerdict,
} from './host-key-store.js';
export {
  fingerprintOf,
  formatHostKey,
  parseHostKey,
  matchesHostKey,
  type ParsedHostKey,
} from './host-key.js';
export {
  createConnectionPool,
  type ConnectionPool,
  type ConnectionPoolOptions,
} from './connection-pool.js';
export { wrapForKill, killWrappedCommand, shellQuote, KILL_ESCALATION_S } from './kill-wrapper.js';
