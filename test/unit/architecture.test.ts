import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The import graph of src/ (STYLE §1, §5): no cycles, the domain is pure, workflows reach
 * activities by type only. Imports are read with a regex over `import … from '…'`,
 * `export … from '…'`, `import '…'` and `import('…')`; relative paths resolve to a .ts file
 * or a folder's index.ts.
 */
const SRC = resolve(__dirname, '..', '..', 'src');

interface Edge {
  from: string;
  /** src-relative file for a relative import, else the package or builtin name. */
  to: string;
  local: boolean;
  typeOnly: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function resolveLocal(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    if (statSync(candidate, { throwIfNoEntry: false })?.isFile()) return relative(SRC, candidate);
  }
  throw new Error(`${relative(SRC, from)}: cannot resolve import '${spec}'`);
}

const STATIC = /^[ \t]*(import|export)\s+(type\s+)?(?:([^'";]*?)\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** `import { type A, type B }` is as type-only as `import type { A, B }`. */
function onlyTypeSpecifiers(clause: string | undefined): boolean {
  const named = clause?.trim().match(/^\{([\s\S]*)\}$/);
  if (!named) return false;
  const names = named[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

function edgesOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(SRC, file);
  const edge = (spec: string, typeOnly: boolean): Edge =>
    spec.startsWith('.') ? { from, to: resolveLocal(file, spec), local: true, typeOnly } : { from, to: spec, local: false, typeOnly };
  return [
    ...[...text.matchAll(STATIC)].map((m) => edge(m[4]!, m[2] !== undefined || onlyTypeSpecifiers(m[3]))),
    ...[...text.matchAll(DYNAMIC)].map((m) => edge(m[1]!, false)),
  ];
}

const EDGES = sources(SRC).flatMap(edgesOf);

/** Every cycle's files, one representative path per strongly connected component (Tarjan). */
function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.local) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (next.get(v) ?? []).includes(v)) found.push(pathWithin(new Set(component), v, next));
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** A cycle through `start` inside one component, as `start → … → start`. */
function pathWithin(component: Set<string>, start: string, next: Map<string, string[]>): string[] {
  const seen = new Set<string>();
  const walk = (v: string, path: string[]): string[] | null => {
    for (const w of next.get(v) ?? []) {
      if (w === start) return [...path, w];
      if (component.has(w) && !seen.has(w)) {
        seen.add(w);
        const p = walk(w, [...path, w]);
        if (p) return p;
      }
    }
    return null;
  };
  return walk(start, [start]) ?? [start];
}

const under = (room: string) => (file: string) => file.startsWith(`${room}/`);
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);
const show = (e: Edge) => `${e.from} → ${e.to}${e.typeOnly ? ' (type)' : ''}`;

/**
 * Workflow imports that break the layering, each to be removed with its fix: ValidationError
 * belongs in a module the workflow bundle may load (src/config is another room's).
 */
const WORKFLOW_EXCEPTIONS = ['workflows/governor-messages.ts → config/errors.ts'];

describe('architecture: the import graph of src/', () => {
  it('reads the imports it checks', () => {
    expect(EDGES.length).toBeGreaterThan(200);
    expect(EDGES).toContainEqual({ from: 'workflows/proxies.ts', to: 'activities/index.ts', local: true, typeOnly: true });
    expect(EDGES).toContainEqual({ from: 'devserver.ts', to: 'node:net', local: false, typeOnly: false });
  });

  it('has no import cycle', () => {
    const found = cycles(EDGES).map((c) => c.join(' → '));
    expect(found).toEqual([]);
  });

  it('keeps src/domain pure: no adapters, activities, workflows, Node builtins or better-sqlite3', () => {
    const bad = EDGES.filter((e) => under('domain')(e.from)).filter((e) =>
      e.local ? ['adapters', 'activities', 'workflows'].some((room) => under(room)(e.to)) : isBuiltin(e.to) || e.to === 'better-sqlite3',
    );
    expect(bad.map(show)).toEqual([]);
  });

  it('lets src/workflows import only the domain, workflows, activity types and the workflow SDK', () => {
    const allowed = (e: Edge): boolean =>
      e.local
        ? under('domain')(e.to) || under('workflows')(e.to) || (under('activities')(e.to) && e.typeOnly)
        : ['@temporalio/workflow', '@temporalio/common'].includes(e.to);
    const bad = EDGES.filter((e) => under('workflows')(e.from) && !allowed(e)).map(show);
    expect(bad.filter((b) => !WORKFLOW_EXCEPTIONS.includes(b))).toEqual([]);
    expect(WORKFLOW_EXCEPTIONS.filter((x) => !bad.includes(x))).toEqual([]);
  });
});
