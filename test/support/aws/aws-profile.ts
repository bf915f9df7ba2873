/**
 * Writes an AWS config and credentials file pair for a test, so the SDK's real credential chain
 * (profile, config_file, credentials_file) is what signs requests to the AWS double.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AWS_DOUBLE_CREDENTIALS } from './aws-double.js';

export interface TestAwsProfile {
  profile: string;
  configFile: string;
  credentialsFile: string;
  dir: string;
  remove(): Promise<void>;
}

export async function writeAwsProfile(
  options: {
    profile?: string;
    region?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string } | null;
  } = {},
): Promise<TestAwsProfile> {
  const profile = options.profile ?? 'spotrunner-test';
  const dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-aws-'));
  const configFile = path.join(dir, 'config');
  const credentialsFile = path.join(dir, 'credentials');
  const section = profile === 'default' ? '[default]' : `[profile ${profile}]`;
  await writeFile(
    configFile,
    `${section}\n${options.region ? `region = ${options.region}\n` : ''}`,
  );
  const creds = options.credentials === undefined ? AWS_DOUBLE_CREDENTIALS : options.credentials;
  await writeFile(
    credentialsFile,
    creds
      ? `[${profile}]\naws_access_key_id = ${creds.accessKeyId}\naws_secret_access_key = ${creds.secretAccessKey}\n`
      : '',
    { mode: 0o600 },
  );
  return {
    profile,
    configFile,
    credentialsFile,
    dir,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
