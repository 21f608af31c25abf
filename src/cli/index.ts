#!/usr/bin/env node
/** vvtvctl — operators' command line for the autopilot (9.x). `vvtvctl autopilot --help`. */
import { Command } from 'commander';
import { ValidationError } from '../config/errors';
import { defaultConfigPath } from '../config/load';
import { CliContext } from './context';
import { registerInspect } from './inspect';
import { registerControl } from './control';

export function buildProgram(): { program: Command; context: () => CliContext } {
  const program = new Command('vvtvctl').description('VVTV control').option('--config <path>', 'autopilot.yaml', defaultConfigPath()).option('--json', 'machine-readable output');
  let ctx: CliContext | null = null;
  const context = () => (ctx ??= new CliContext(program.opts().config, Boolean(program.opts().json)));
  const ap = program.command('autopilot').description('inspect and steer the autopilot');
  registerInspect(ap, context);
  registerControl(ap, context);
  return { program, context };
}

async function main(argv: string[]): Promise<void> {
  const { program, context } = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.stderr.write(`vvtvctl: ${err instanceof ValidationError ? err.message : (err as Error).message}\n`);
    process.exitCode = err instanceof ValidationError ? 2 : 1;
  } finally {
    await context().close().catch(() => undefined);
  }
}

if (require.main === module) void main(process.argv);
