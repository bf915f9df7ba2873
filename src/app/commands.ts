import type { CommandRegistrar } from '../cli/program.js';
import { registerConfigCommand } from '../cli/config-command.js';
import { registerRegisterCommand } from '../cli/register-command.js';
import { registerVerifyCommand } from '../cli/verify-command.js';
import { registerPlanCommand } from '../cli/plan-command.js';
import { registerSandboxCtlCommand } from '../cli/sandbox-ctl-command.js';
import { registerFleetCommand } from '../cli/fleet-command.js';
import { loadConfig } from '../config/index.js';
import { registerRunCommand } from './run-command.js';
import { registerSandboxCommand } from './sandbox-command.js';
import { awsGroupCheck } from './aws-checks.js';
import { registerAwsCommand } from '../cli/commands/aws.js';
import { createSetupClients } from './aws-setup-clients.js';

/** Every command of the CLI, in help order. */
export const allCommands: readonly CommandRegistrar[] = [
  registerRunCommand,
  registerSandboxCommand,
  registerSandboxCtlCommand,
  (program, ctx) => registerPlanCommand(program, { ...ctx, loadConfig }),
  (program, ctx) => registerVerifyCommand(program, ctx, [awsGroupCheck()]),
  registerFleetCommand,
  (program, ctx) => registerAwsCommand(program, ctx, createSetupClients),
  registerRegisterCommand,
  registerConfigCommand,
];
