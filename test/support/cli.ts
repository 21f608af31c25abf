import { runCli } from '../../src/cli';

/** Runs vvtvctl in-process and captures what it prints and the exit code it sets. */
export async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  let code: number;
  try {
    code = await runCli(['node', 'vvtvctl', ...args], (s) => (err += s));
  } finally {
    spy.mockRestore();
  }
  process.exitCode = 0;
  return { out, err, code };
}
