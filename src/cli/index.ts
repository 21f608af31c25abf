#!/usr/bin/env node
/** vvtvctl — operators' command line for the autopilot (9.x). `vvtvctl autopilot --help`. */
import { Command, CommanderError } from 'commander';
import { ValidationError } from '../config/errors';
import { registerCommands } from './commands';
import { CliContext } from './context';

export function buildProgram(writeErr: (s: string) => void = (s) => process.stderr.write(s)): {
  program: Command;
  context: () => CliContext;
} {
  // Usage errors throw (exit 2 below) instead of exiting the process; subcommands inherit both settings.
  const program = new Command('vvtvctl')
    .exitOverride()
    .configureOutput({ writeErr, outputError: (s, write) => write(`vvtvctl: ${s}`) })
    .description('VVTV control')
    .option('--config <path>', 'autopilot.yaml (default: $VVTV_CONFIG, else config/autopilot.yaml)')
    .option('--json', 'machine-readable output');
  let ctx: CliContext | null = null;
  const context = () => (ctx ??= new CliContext(program.opts().config, Boolean(program.opts().json)));
  registerCommands(program.command('autopilot').description('inspect and steer the autopilot'), context);
  return { program, context };
}

/**
 * Runs one command line. Errors are printed as one clear message (bad input, exit 2; anything
 * else, exit 1), never as a stack trace.
 */
export async function runCli(argv: string[], stderr: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const { program, context } = buildProgram(stderr);
  process.exitCode = 0;
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Already printed by commander; help and --version end well, a usage error is bad input.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else {
      stderr(`vvtvctl: ${(err as Error).message}\n`);
      process.exitCode = err instanceof ValidationError ? 2 : 1;
    }
  } finally {
    await context()
      .close()
      .catch(() => undefined);
  }
  return Number(process.exitCode ?? 0);
}

if (require.main === module) void runCli(process.argv);
