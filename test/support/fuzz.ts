import fc from 'fast-check';
import { ValidationError } from '../../src/config/errors';

type Path = Array<string | number>;

/** Every path into a JSON-like value (objects and arrays), the root excluded. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
}

const DELETE = Symbol('delete');

/** Values a hand-edited file or a wrong client may put anywhere. */
export const oddValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(null, true, false, 0, -1, 1e308, -0, '', ' ', 'NaN', '1', [], {}),
    fc.double(),
    fc.integer(),
    fc.string(),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.anything({ maxDepth: 2 }),
  );

/** A copy of `value` with one path replaced by an odd value (or removed), and that path. */
export function mutation(value: unknown): fc.Arbitrary<{ path: Path; mutated: unknown }> {
  const paths = pathsOf(value);
  return fc.tuple(fc.constantFrom(...paths), fc.oneof(fc.constant<unknown>(DELETE), oddValue())).map(([path, v]) => {
    // A JSON copy: YAML aliases parse to shared objects, and a mutation must touch one place only.
    const copy = JSON.parse(JSON.stringify(value)) as Record<string | number, unknown>;
    let cur = copy;
    for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (v === DELETE) {
      if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1);
      else delete cur[last];
    } else cur[last] = v;
    return { path, mutated: copy };
  });
}

/** How the error formatter writes a path: `a.b[2].c`. */
export const pathText = (path: Path): string =>
  path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

/**
 * Runs `f`: it may succeed; if it throws, the error is a ValidationError whose every problem starts
 * with a path (`a.b[2]: …`, `(root): …`, `YAML syntax: …`). Returns the problems (empty on success).
 */
export function validationProblems(f: () => unknown): string[] {
  try {
    f();
    return [];
  } catch (err) {
    if (!(err instanceof ValidationError))
      throw new Error(`expected a ValidationError, got ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
    expect(err.problems.length).toBeGreaterThan(0);
    // A path (whose keys may themselves hold ':' or spaces), then the message.
    for (const p of err.problems) expect(p).toMatch(/^\S.*: \S/s);
    return err.problems;
  }
}
