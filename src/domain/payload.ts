/**
 * Checking a message payload against its zod schema without throwing: the parsed value, or one
 * `path: message` line per problem. Used where payloads arrive (workflow signals and updates) and
 * by the config's error formatting.
 */
import type { z } from 'zod';

/** `a.b[2].c: message` lines for each zod issue, after the given prefix. */
export function zodIssueLines(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    let path = prefix;
    for (const key of issue.path) {
      if (typeof key === 'number') path += `[${key}]`;
      else path += path ? `.${String(key)}` : String(key);
    }
    return `${path || '(root)'}: ${issue.message}`;
  });
}

/** A value as an error message shows it; never throws (a payload may carry any object). */
export function shown(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

export type PayloadCheck<T> = { value: T } | { problems: string[] };

/**
 * The payload parsed by the schema, or its problems, each after `name: ` (when given) and naming its field
 * (`canaryDecision: decision: expected proceed or rollback, got maybe`); anything but an object is
 * refused at the root. Never throws.
 */
export function checkPayload<S extends z.ZodType>(name: string, schema: S, payload: unknown): PayloadCheck<z.infer<S>> {
  const pre = name ? `${name}: ` : '';
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return { problems: [`${pre}(root): expected an object`] };
  const r = schema.safeParse(payload);
  return r.success ? { value: r.data } : { problems: zodIssueLines(r.error).map((p) => pre + p) };
}
