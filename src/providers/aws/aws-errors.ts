/**
 * AWS errors translated into SpotrunnerError at the boundary: no `@aws-sdk` error type leaves
 * `providers/aws`. The SDK already retried throttling and transient faults (`maxAttempts`).
 */
import { isAbortError } from '../../platform/abort.js';
import { SpotrunnerError, type ErrorCode } from '../../platform/errors.js';

const CAPACITY_CODES = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
  'SpotMaxPriceTooLow',
  'MaxSpotInstanceCountExceeded',
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'UnfulfillableCapacity',
]);

const AUTH_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthFailure',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidAccessKeyId',
  'CredentialsProviderError',
  'AuthPolicyException',
  'AuthException',
]);

const THROTTLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'EC2ThrottledException',
]);

const NOT_FOUND_CODES = new Set([
  'InvalidInstanceID.NotFound',
  'InvalidInstanceID.Malformed',
  'EC2InstanceNotFoundException',
  'ResourceNotFound',
  'ResourceNotFoundException',
  'AWS.SimpleQueueService.NonExistentQueue',
  'QueueDoesNotExist',
]);

/** Words in a scaling activity's status message that mean "no capacity right now". */
const CAPACITY_MESSAGE =
  /InsufficientInstanceCapacity|InsufficientCapacity|SpotMaxPriceTooLow|MaxSpotInstanceCountExceeded|InstanceLimitExceeded|VcpuLimitExceeded|UnfulfillableCapacity|capacity-not-available|capacity-oversubscribed|do not have sufficient .* capacity|no Spot capacity available/i;

export interface AwsErrorFacts {
  /** AWS error code (`name` of SDK errors), or the Node error code for transport faults. */
  awsCode: string;
  message: string;
  httpStatus?: number;
  /** The SDK marked it throttling or transient. */
  sdkRetryable: boolean;
}

/** Reads the facts we need from anything the SDK (or the network below it) throws. */
export function awsErrorFacts(err: unknown): AwsErrorFacts {
  if (!(err instanceof Error))
    return { awsCode: 'Unknown', message: String(err), sdkRetryable: false };
  const record = err as Error & {
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    Code?: unknown;
    code?: unknown;
  };
  const nodeCode = typeof record.code === 'string' ? record.code : undefined;
  const code = typeof record.Code === 'string' ? record.Code : (nodeCode ?? err.name);
  return {
    awsCode: code === 'Error' ? 'Unknown' : code,
    message: err.message,
    httpStatus: record.$metadata?.httpStatusCode,
    sdkRetryable: record.$retryable !== undefined,
  };
}

/** Whether a scaling-activity status message (or an error code) names a capacity shortage. */
export function isCapacityMessage(text: string): boolean {
  return CAPACITY_MESSAGE.test(text);
}

function codeFor(facts: AwsErrorFacts): ErrorCode {
  const { awsCode, message } = facts;
  if (CAPACITY_CODES.has(awsCode) || isCapacityMessage(awsCode)) return 'provider_capacity';
  if (AUTH_CODES.has(awsCode) || /could not load credentials|credential is missing/i.test(message))
    return 'provider_auth';
  if (THROTTLE_CODES.has(awsCode) || /rate exceeded/i.test(message)) return 'provider_throttled';
  if (NOT_FOUND_CODES.has(awsCode)) return 'not_found';
  if (awsCode === 'ValidationError' && /not found/i.test(message)) return 'not_found';
  return 'provider';
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'TimeoutError',
  'ScalingActivityInProgress',
  'ResourceContention',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'EC2InstanceUnavailableException',
  'EC2InstanceStateInvalidException',
]);

/**
 * The HTTP handler's own timeout (`requestTimeout` elapsed): a transport fault like any other,
 * unlike an abort through the caller's signal (AbortError, or AbortSignal.timeout's DOMException).
 */
function isRequestTimeout(err: unknown): boolean {
  return err instanceof Error && err.name === 'TimeoutError' && !(err instanceof DOMException);
}

/**
 * Translates an AWS SDK error into a SpotrunnerError whose message names the call. Aborts
 * through the caller's signal pass through unchanged; SpotrunnerErrors are returned as they are.
 */
export function translateAwsError(err: unknown, operation: string): Error {
  if (err instanceof SpotrunnerError) return err;
  if (isAbortError(err) && !isRequestTimeout(err) && err instanceof Error) return err;
  const facts = awsErrorFacts(err);
  const code = codeFor(facts);
  const retryable =
    code === 'provider_throttled' ||
    code === 'provider_capacity' ||
    TRANSIENT_CODES.has(facts.awsCode) ||
    (facts.httpStatus !== undefined && facts.httpStatus >= 500);
  return new SpotrunnerError(code, `${operation}: ${describeFacts(facts, code)}`, {
    retryable,
    cause: err,
  });
}

function describeFacts(facts: AwsErrorFacts, code: ErrorCode): string {
  const base = facts.awsCode === 'Unknown' ? facts.message : `${facts.awsCode}: ${facts.message}`;
  if (/region is missing/i.test(facts.message)) {
    return 'AWS region is missing: set plugin_config.region (or a region for the profile)';
  }
  if (code !== 'provider_auth') return base;
  if (facts.awsCode === 'CredentialsProviderError' || /could not load credentials/i.test(base)) {
    return (
      `no AWS credentials found (${facts.message}). Set plugin_config.profile with credentials_file, ` +
      'or provide credentials through the environment or an instance role'
    );
  }
  return `${base} (check the IAM policy and the credentials in use)`;
}

/** Wraps an SDK call so every failure leaves as a SpotrunnerError naming `operation`. */
export async function callAws<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err: unknown) {
    throw translateAwsError(err, operation);
  }
}
