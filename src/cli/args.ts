/**
 * Parsers of option values, run by commander as it reads the command line: a bad value is a usage
 * error naming the option (`option '--days <n>' argument 'x' is invalid. expected a positive number`), exit 2.
 * Only commander is loaded here.
 */
import { statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

const parser =
  <T>(expected: string, ok: (n: number) => boolean, convert: (v: string) => T = (v) => Number(v) as T) =>
  (v: string): T => {
    if (v.trim() === '' || !ok(Number(v))) throw new InvalidArgumentError(`expected ${expected}`);
    return convert(v);
  };

export const positiveInt = parser<number>('a positive whole number', (n) => Number.isInteger(n) && n > 0);
export const positiveNumber = parser<number>('a positive number', (n) => Number.isFinite(n) && n > 0);
export const finiteNumber = parser<number>('a number', Number.isFinite);

export function isoTime(v: string): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || !Number.isFinite(Date.parse(v))) throw new InvalidArgumentError('expected an ISO date-time');
  return v;
}

/** `--set name=value`, repeatable: the values are kept as given, their form checked here. */
export function parameterSetting(v: string, previous: string[] = []): string[] {
  const m = /^([a-z_][a-z0-9_]*)=(.+)$/i.exec(v);
  if (!m || m[2].trim() === '' || !Number.isFinite(Number(m[2])))
    throw new InvalidArgumentError('expected parameter=number, e.g. temperature=0.6');
  return [...previous, v];
}

/** A file to write: not empty, not a folder (its folder is created when missing). */
export function outputFile(v: string): string {
  if (v.trim() === '') throw new InvalidArgumentError('expected a file path');
  if (/[/\\]$/.test(v) || statSync(v, { throwIfNoEntry: false })?.isDirectory())
    throw new InvalidArgumentError('expected a file, got a folder');
  return v;
}
