/**
 * The `[runners.autoscaler.connector_config]` values a provider fills into ConnectInfo when it
 * has nothing better. Structurally a subset of the compiled config's connector, so the app can
 * pass that object as is.
 */
export interface ConnectorDefaults {
  username?: string;
  password?: string;
  /** Private key file (already resolved against the config file's directory). */
  keyPath?: string;
  /** `protocol_port`; 0/absent = 22. */
  port?: number;
  /** 0 = the connect layer's default. */
  keepaliveMs?: number;
  /** 0 = the connect layer's default. */
  timeoutMs?: number;
  useExternalAddr?: boolean;
}
