/**
 * `spotrunner image discover [DIR]`: the images a project's pipelines pull (plus an allowlist),
 * one per line or as JSON. `spotrunner image bake`: an AMI with those images already pulled,
 * made the launch template's default (or a Packer template doing the same, with `--packer`).
 */
import type { Command } from 'commander';
import { println, type CliContext } from '../cli-context.js';
import { registerImageBakeCommand } from './image-bake.js';
import { addDiscoverFlags, discoverForCli, type DiscoverFlags } from './image-discover.js';

export function registerImageCommand(program: Command, ctx: CliContext): void {
  const image = program
    .command('image')
    .description('images for the worker AMI: discover them, bake them in');
  addDiscoverFlags(
    image
      .command('discover')
      .description("list the images a project's pipelines pull (image:, services:, allowlist)")
      .argument('[dir]', 'project directory with .gitlab-ci.yml', '.')
      .option('--json', 'print JSON instead of one image per line'),
  ).action(async (dir: string, flags: DiscoverFlags & { json?: boolean }) => {
    const result = await discoverForCli(ctx, dir, flags);
    if (flags.json) println(ctx.stdout, JSON.stringify(result, null, 2));
    else for (const i of result.images) println(ctx.stdout, i.name);
  });
  registerImageBakeCommand(image, ctx);
}
