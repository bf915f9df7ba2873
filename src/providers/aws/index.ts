/** The aws provider: one EC2 Auto Scaling group, driven as fleeting-plugin-aws drives it. */
export {
  createAwsProvider,
  AWS_MAX_GROUP_SIZE,
  type AwsProvider,
  type AwsProviderDeps,
} from './aws-provider.js';
export {
  awsOptionsFromConfig,
  defaultAwsProviderOptions,
  DEFAULT_IMDS_URL,
  type AwsClientOptions,
  type AwsConnectorOptions,
  type AwsIdentity,
  type AwsKeyType,
  type AwsProviderOptions,
} from './aws-options.js';
export { createAwsClients, destroyAwsClients, type AwsClients } from './aws-clients.js';
export { terminateEc2Instances } from './ec2-terminate.js';
export { terminateInstances as terminateGroupInstances } from './group-capacity.js';
export type { HeldRemovalsStore } from './group-removals.js';
export { translateAwsError, isCapacityMessage } from './aws-errors.js';
export { verifyGroup, type VerifyGroupResult } from './verify-group.js';
export type { GroupProblem, GroupProblemCode, GroupCheckOptions } from './group-checks.js';
export { describeLaunchFailures, type LaunchFailure } from './launch-failures.js';
export {
  checkInstanceMetadata,
  DEFAULT_METADATA_URL,
  type MetadataCheckOptions,
} from './instance-metadata.js';
export { parseInterruptionEvent, type InterruptionEvent } from './interruption-queue.js';
export { noticeFromSpotStatus, SPOT_NOTICE_MS } from './spot-notices.js';
export {
  MANAGER_TAG,
  RUNNER_TAG,
  GROUP_NAME_TAG,
  ownershipOf,
  tagCommand,
  type Ownership,
} from './group-tags.js';
export { findTaggedInstances, type TaggedInstance } from './tagged-instances.js';
export {
  toFleetRows,
  listAwsFleet,
  regionOfProviderId,
  type FleetListingRow,
  type FleetListingOptions,
  type PriceLookup,
} from './fleet-listing.js';
export type { InstanceDetails } from './instance-details.js';
export type { NoticeSource } from './notice-book.js';
export { countApiCalls, apiErrorCode, type MiddlewareClient } from './api-call-counter.js';
export { groupInstanceTypes } from './group-instance-types.js';
export { describeSpotPriceHistory, type SpotPriceRecord } from './spot-price-history.js';
