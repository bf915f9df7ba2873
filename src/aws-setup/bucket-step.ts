/**
 * The cache bucket from `[runners.cache.s3] BucketName`: encrypted by default (SSE-S3),
 * objects expiring after `cache_expiry_days`, every public access blocked, tagged as setup's.
 */
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { SETUP_TAG } from './setup-clients.js';
import {
  readAws,
  requireOwnTag,
  tagRecord,
  planFromLines,
  upToDate,
  type ChangeLine,
  type SetupContext,
  type SetupStep,
  type StepPlan,
} from './setup-step.js';

export const EXPIRY_RULE_ID = 'spotrunner-cache-expiry';
const BLOCK_ALL = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

async function planBucket(ctx: SetupContext): Promise<StepPlan> {
  const bucket = ctx.spec.bucket;
  if (!bucket) return upToDate('cache bucket (none: no [runners.cache.s3] BucketName)');
  const { s3 } = ctx.clients;
  const Bucket = bucket.name;
  const resource = `cache bucket ${Bucket}`;
  const exists = await readAws('s3:HeadBucket', ['NotFound', 'NoSuchBucket'], () =>
    s3.send(new HeadBucketCommand({ Bucket })),
  );
  const lines: ChangeLine[] = [];
  if (!exists) {
    lines.push({
      line: 'create',
      run: () =>
        s3.send(
          new CreateBucketCommand({
            Bucket,
            ...(ctx.region === 'us-east-1'
              ? {}
              : {
                  CreateBucketConfiguration: {
                    LocationConstraint: ctx.region as BucketLocationConstraint,
                  },
                }),
          }),
        ),
    });
  }
  const tags = exists
    ? tagRecord(
        (
          await readAws('s3:GetBucketTagging', ['NoSuchTagSet'], () =>
            s3.send(new GetBucketTaggingCommand({ Bucket })),
          )
        )?.TagSet,
      )
    : {};
  if (exists) requireOwnTag(resource, tags, ctx.spec.setupId);
  else
    lines.push({
      line: `tag ${SETUP_TAG}=${ctx.spec.setupId}`,
      run: () =>
        s3.send(
          new PutBucketTaggingCommand({
            Bucket,
            Tagging: { TagSet: [{ Key: SETUP_TAG, Value: ctx.spec.setupId }] },
          }),
        ),
    });
  const encryption = exists
    ? await readAws(
        's3:GetBucketEncryption',
        ['ServerSideEncryptionConfigurationNotFoundError'],
        () => s3.send(new GetBucketEncryptionCommand({ Bucket })),
      )
    : undefined;
  const algorithm =
    encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
      ?.SSEAlgorithm;
  if (algorithm !== 'AES256' && algorithm !== 'aws:kms')
    lines.push({
      line: 'default encryption SSE-S3 (AES256)',
      run: () =>
        s3.send(
          new PutBucketEncryptionCommand({
            Bucket,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
            },
          }),
        ),
    });
  const lifecycle = exists
    ? await readAws('s3:GetBucketLifecycleConfiguration', ['NoSuchLifecycleConfiguration'], () =>
        s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })),
      )
    : undefined;
  const rule = lifecycle?.Rules?.find((r) => r.ID === EXPIRY_RULE_ID);
  if (rule?.Status !== 'Enabled' || rule.Expiration?.Days !== bucket.expiryDays)
    lines.push({
      line: `objects expire after ${bucket.expiryDays} days`,
      run: () =>
        s3.send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket,
            LifecycleConfiguration: {
              Rules: [
                ...(lifecycle?.Rules ?? []).filter((r) => r.ID !== EXPIRY_RULE_ID),
                {
                  ID: EXPIRY_RULE_ID,
                  Status: 'Enabled',
                  Filter: { Prefix: '' },
                  Expiration: { Days: bucket.expiryDays },
                  AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
                },
              ],
            },
          }),
        ),
    });
  const block = exists
    ? await readAws('s3:GetPublicAccessBlock', ['NoSuchPublicAccessBlockConfiguration'], () =>
        s3.send(new GetPublicAccessBlockCommand({ Bucket })),
      )
    : undefined;
  const blocked = block?.PublicAccessBlockConfiguration;
  if (
    !blocked ||
    Object.entries(BLOCK_ALL).some(([k, v]) => blocked[k as keyof typeof BLOCK_ALL] !== v)
  )
    lines.push({
      line: 'block all public access',
      run: () =>
        s3.send(
          new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: BLOCK_ALL }),
        ),
    });
  return planFromLines(resource, Boolean(exists), 's3', lines);
}

export const bucketStep: SetupStep = { plan: planBucket };
