/**
 * `image bake --packer FILE`: the same bake as a Packer HCL2 template (an `amazon-ebs` source,
 * shell provisioners running the very commands of the SSH bake), for teams that build their
 * images with Packer. Packer does not touch launch templates: point the template's default
 * version at the AMI in the manifest afterwards (the template says how).
 */
import { bakeSteps } from './bake-steps.js';

export interface PackerOptions {
  region: string;
  baseImageId: string;
  instanceType: string;
  sshUsername: string;
  amiNamePrefix: string;
  images: readonly string[];
  helperImage: string;
  subnetId?: string;
  securityGroupIds?: readonly string[];
  launchTemplate?: string;
  tags?: Readonly<Record<string, string>>;
}

/** An HCL string literal: JSON escaping plus HCL's own `${` and `%{` template escapes. */
export function hclString(text: string): string {
  return JSON.stringify(text)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
}

function hclList(items: readonly string[], indent: string): string {
  if (items.length === 0) return '[]';
  return `[\n${items.map((i) => `${indent}  ${hclString(i)},`).join('\n')}\n${indent}]`;
}

function hclMap(entries: Readonly<Record<string, string>>, indent: string): string {
  const lines = Object.entries(entries).map(
    ([k, v]) => `${indent}  ${hclString(k)} = ${hclString(v)}`,
  );
  return `{\n${lines.join('\n')}\n${indent}}`;
}

export function renderPackerTemplate(o: PackerOptions): string {
  const steps = bakeSteps(o.images, o.helperImage);
  const tags = { 'spotrunner:images': String(o.images.length), ...o.tags };
  const optional = [
    ...(o.subnetId ? [`  subnet_id     = ${hclString(o.subnetId)}`] : []),
    ...(o.securityGroupIds?.length
      ? [`  security_group_ids = ${hclList(o.securityGroupIds, '  ')}`]
      : []),
  ];
  const provisioners = steps.map(
    (s) =>
      `  # ${s.name.replace(/\n/g, ' ')}\n  provisioner "shell" {\n    inline = ${hclList([s.command], '    ')}\n  }`,
  );
  const after = o.launchTemplate
    ? [
        '# Then make the launch template use the new AMI (the id is in packer-manifest.json):',
        `#   aws ec2 create-launch-template-version --launch-template-name ${o.launchTemplate} \\`,
        '#     --source-version \'$Default\' --launch-template-data \'{"ImageId":"AMI_ID"}\'',
        `#   aws ec2 modify-launch-template --launch-template-name ${o.launchTemplate} --default-version NEW_VERSION`,
      ]
    : [];
  return [
    '# Written by `spotrunner image bake --packer`: the same steps as the SSH bake.',
    ...after,
    'packer {',
    '  required_plugins {',
    '    amazon = {',
    '      version = ">= 1.2.0"',
    '      source  = "github.com/hashicorp/amazon"',
    '    }',
    '  }',
    '}',
    '',
    'variable "ami_name_prefix" {',
    '  type    = string',
    `  default = ${hclString(o.amiNamePrefix)}`,
    '}',
    '',
    'source "amazon-ebs" "spotrunner_workers" {',
    `  region        = ${hclString(o.region)}`,
    `  source_ami    = ${hclString(o.baseImageId)}`,
    `  instance_type = ${hclString(o.instanceType)}`,
    `  ssh_username  = ${hclString(o.sshUsername)}`,
    '  ami_name      = "${var.ami_name_prefix}-${formatdate("YYYYMMDD-hhmmss", timestamp())}"',
    ...optional,
    `  tags          = ${hclMap(tags, '  ')}`,
    '}',
    '',
    'build {',
    '  sources = ["source.amazon-ebs.spotrunner_workers"]',
    '',
    provisioners.join('\n\n'),
    '',
    '  post-processor "manifest" {',
    '    output = "packer-manifest.json"',
    '  }',
    '}',
    '',
  ].join('\n');
}
