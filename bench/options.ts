/**
 * Benchmark flags: `--name=value`, or the environment variable `<PREFIX>_NAME` (dashes become
 * underscores), or the fallback. Numbers are checked so a typo fails loudly.
 */
export function benchOptions(envPrefix: string) {
  const text = (name: string, fallback: string): string => {
    const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
    return flag !== undefined
      ? flag.slice(name.length + 3)
      : (process.env[`${envPrefix}_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback);
  };
  const num = (name: string, fallback: number): number => {
    const raw = text(name, String(fallback));
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new Error(`--${name}: expected a number, got ${raw}`);
    return v;
  };
  return { text, num };
}
