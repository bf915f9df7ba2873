/**
 * The launch template's user data for Amazon Linux 2023: what the executors need on an
 * instance — git and a shell for `instance`, Docker for `docker-autoscaler`, and the EC2
 * Instance Connect agent (preinstalled on AL2023; installed again in case the AMI lacks it).
 */
export const SETUP_MARKER = '# spotrunner aws setup';

export function userDataScript(extra?: string): string {
  const lines = [
    '#!/bin/bash',
    SETUP_MARKER,
    'set -euo pipefail',
    'dnf install -y git docker ec2-instance-connect',
    'systemctl enable --now docker',
    'usermod -aG docker ec2-user',
  ];
  if (extra?.trim()) lines.push('# from [runners.spotrunner.aws_setup] user_data', extra.trim());
  return `${lines.join('\n')}\n`;
}

/** Base64 as a launch template carries it. */
export function encodeUserData(script: string): string {
  return Buffer.from(script, 'utf8').toString('base64');
}
