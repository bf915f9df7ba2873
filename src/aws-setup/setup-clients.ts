/** The SDK clients setup and teardown use; built in app/ (aws-setup-clients.ts) and handed in. */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClientOptions } from '../providers/aws/aws-options.js';

export interface SetupClients {
  autoscaling: AutoScalingClient;
  ec2: EC2Client;
  iam: IAMClient;
  s3: S3Client;
  sqs: SQSClient;
  events: EventBridgeClient;
  ssm: SSMClient;
}

export interface BuiltSetupClients {
  clients: SetupClients;
  /** The region the clients talk to. */
  region: string;
  destroy(): void;
}

/** Builds the clients for one runner's plugin_config (app/aws-setup-clients.ts). */
export type SetupClientFactory = (options: AwsClientOptions) => Promise<BuiltSetupClients>;

/** The tag every resource setup makes carries; teardown removes only what carries it. */
export const SETUP_TAG = 'spotrunner:setup';
