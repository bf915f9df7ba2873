/**
 * The SDK clients `aws setup` / `aws teardown` use, for one runner's plugin_config: the
 * provider's own (Auto Scaling, EC2, SQS — same credential chain, region and retries) plus IAM,
 * S3 (path-style on a custom endpoint), EventBridge and SSM sharing their credentials and region.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { BuiltSetupClients, SetupClients } from '../aws-setup/setup-clients.js';
import { createAwsClients, type AwsClientOptions } from '../providers/aws/index.js';

export async function createSetupClients(options: AwsClientOptions): Promise<BuiltSetupClients> {
  const base = createAwsClients(options);
  const region = await base.ec2.config.region();
  const common = {
    region,
    credentials: base.ec2.config.credentials,
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts,
    retryMode: 'standard',
  } as const;
  const clients: SetupClients = {
    autoscaling: base.autoscaling,
    ec2: base.ec2,
    sqs: base.sqs,
    iam: new IAMClient(common),
    s3: new S3Client({ ...common, forcePathStyle: options.endpoint !== undefined }),
    events: new EventBridgeClient(common),
    ssm: new SSMClient(common),
  };
  return {
    clients,
    region,
    destroy() {
      base.instanceConnect.destroy();
      const { autoscaling, ec2, sqs, iam, s3, events, ssm } = clients;
      for (const c of [autoscaling, ec2, sqs, iam, s3, events, ssm]) c.destroy();
    },
  };
}
