import type { CommandRegistrar } from '../cli/program.js';
import { registerConfigCommand } from '../cli/commands/config.js';
import { registerRegisterCommand } from '../cli/commands/register.js';
import { registerVerifyCommand } from '../cli/commands/verify.js';
import { registerPlanCommand } from '../cli/commands/plan.js';
import { registerSandboxCtlCommand } from '../cli/commands/sandbox-ctl.js';
import { registerFleetCommand } from '../cli/commands/fleet.js';
import { registerReportCommand } from '../cli/commands/report.js';
import { registerImageCommand } from '../cli/commands/image.js';
import { loadConfig } from '../config/index.js';
import { registerRunCommand } from '../cli/commands/run.js';
import { registerSandboxCommand } from '../cli/commands/sandbox.js';
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
  registerReportCommand,
  (program, ctx) => registerAwsCommand(program, ctx, createSetupClients),
  registerImageCommand,
  registerRegisterCommand,
  registerConfigCommand,
];
