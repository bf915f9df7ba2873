import type { CommandRegistrar } from '../cli/program.js';
import { registerConfigCommand } from '../cli/config-command.js';
import { registerRegisterCommand } from '../cli/register-command.js';
import { registerVerifyCommand } from '../cli/verify-command.js';
import { registerPlanCommand } from '../cli/plan-command.js';
import { registerSandboxCtlCommand } from '../cli/sandbox-ctl-command.js';
import { registerFleetCommand } from '../cli/fleet-command.js';
import { registerImageCommand } from '../cli/commands/image.js';
import { loadConfig } from '../config/index.js';
import { registerRunCommand } from './run-command.js';
import { registerSandboxCommand } from './sandbox-command.js';
import { awsGroupCheck } from './aws-checks.js';

/** Every command of the CLI, in help order. */
export const allCommands: readonly CommandRegistrar[] = [
  registerRunCommand,
  registerSandboxCommand,
  registerSandboxCtlCommand,
  (program, ctx) => registerPlanCommand(program, { ...ctx, loadConfig }),
  (program, ctx) => registerVerifyCommand(program, ctx, [awsGroupCheck()]),
  registerFleetCommand,
  registerImageCommand,
  registerRegisterCommand,
  registerConfigCommand,
];
