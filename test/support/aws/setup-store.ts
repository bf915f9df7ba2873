/**
 * What the double keeps for `aws setup`'s resources (launch template data, IAM, S3, EventBridge,
 * SSM, queue attributes), beside DoubleState, one store per state.
 */
import type { DoubleState } from './double-state.js';

export interface StoredTemplate {
  id: string;
  name: string;
  tags: Record<string, string>;
  defaultVersion: number;
  /** Version number → LaunchTemplateData as a response tree. */
  versions: Map<number, Record<string, unknown>>;
}

export interface StoredPolicy {
  name: string;
  arn: string;
  tags: Record<string, string>;
  versions: { id: string; document: string; isDefault: boolean; createdMs: number }[];
  nextVersion: number;
  attachments: number;
}

export interface SetupStore {
  templates: Map<string, StoredTemplate>;
  roles: Map<
    string,
    { arn: string; trust: string; tags: Record<string, string>; inline: Map<string, string> }
  >;
  profiles: Map<string, { arn: string; roles: string[]; tags: Record<string, string> }>;
  policies: Map<string, StoredPolicy>;
  buckets: Map<string, { region: string; parts: Map<string, string>; objects: number }>;
  rules: Map<
    string,
    {
      arn: string;
      pattern: string;
      state: string;
      tags: Record<string, string>;
      targets: { Id: string; Arn: string }[];
    }
  >;
  queueMeta: Map<string, { attributes: Record<string, string>; tags: Record<string, string> }>;
  parameters: Map<string, string>;
}

const stores = new WeakMap<DoubleState, SetupStore>();

export function setupStore(state: DoubleState): SetupStore {
  let store = stores.get(state);
  if (!store) {
    store = {
      templates: new Map(),
      roles: new Map(),
      profiles: new Map(),
      policies: new Map(),
      buckets: new Map(),
      rules: new Map(),
      queueMeta: new Map(),
      parameters: new Map([
        [
          '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
          'ami-0a1b2c3d4e5f6a7b8',
        ],
        [
          '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
          'ami-0f1e2d3c4b5a69788',
        ],
      ]),
    };
    stores.set(state, store);
  }
  return store;
}
