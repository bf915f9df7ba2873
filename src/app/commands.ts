import type { CommandRegistrar } from '../cli/program.js';
import { registerConfigCommand } from '../cli/config-command.js';
import { registerRegisterCommand } from '../cli/register-command.js';
import { registerVerifyCommand } from '../cli/verify-command.js';

/** Every command of the CLI, in help order. */
export const allCommands: readonly CommandRegistrar[] = [
  (program, ctx) => registerVerifyCommand(program, ctx),
  registerRegisterCommand,
  registerConfigCommand,
];
