import type { CommandRegistrar } from '../cli/program.js';

/** Every command of the CLI, in help order. */
export const allCommands: readonly CommandRegistrar[] = [];
