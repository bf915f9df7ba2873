/**
 * What `image bake` needs from the cloud (EC2 on AWS): a builder instance, an image made from it,
 * and the launch template pointed at that image. Implemented over the AWS SDK in
 * `ec2-bake-cloud.ts`; the bake flow in `bake-image.ts` sees only this port.
 */

export interface LaunchTemplateRef {
  id: string;
  name: string;
  defaultVersion: number;
  /** The AMI of the default version (the builder's base unless one is given). */
  imageId?: string;
  instanceType?: string;
}

export interface BuilderSpec {
  template: LaunchTemplateRef;
  /** The AMI the builder boots from. */
  baseImageId: string;
  instanceType?: string;
  subnetId?: string;
  securityGroupIds?: readonly string[];
  keyName?: string;
  tags: Readonly<Record<string, string>>;
}

export interface BuilderAddress {
  privateIp?: string;
  publicIp?: string;
}

export interface BakeCloud {
  findLaunchTemplate(nameOrId: string, signal?: AbortSignal): Promise<LaunchTemplateRef>;
  /** RunInstances with the template's settings (and the overrides); returns the instance id. */
  launchBuilder(spec: BuilderSpec, signal?: AbortSignal): Promise<string>;
  /** Waits until the instance is running; undefined when it ended instead. */
  waitRunning(instanceId: string, signal?: AbortSignal): Promise<BuilderAddress>;
  terminate(instanceId: string): Promise<void>;
  /** CreateImage; returns the AMI id (pending). */
  createImage(instanceId: string, name: string, description: string): Promise<string>;
  /** Waits until the AMI is available; throws when it failed. */
  waitImageAvailable(imageId: string, signal?: AbortSignal): Promise<void>;
  /** CreateTags on the AMI. */
  tagImage(imageId: string, tags: Readonly<Record<string, string>>): Promise<void>;
  /** DeregisterImage (and its snapshots), for a bake that did not finish. */
  deregisterImage(imageId: string): Promise<void>;
  /** A new template version with this AMI, made the default; returns its number. */
  setTemplateImage(template: LaunchTemplateRef, imageId: string): Promise<number>;
}
