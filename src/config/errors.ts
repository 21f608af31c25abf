import type { z } from 'zod';
import { zodIssueLines } from '../domain/payload';

/** Bad input: names every offending field and what was expected. Never retried by Temporal. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is invalid:\n  - ${problems.join('\n  - ')}`);
  }
}

/** `a.b[2].c: message` lines for each zod issue, with the given prefix. */
export const formatZodIssues = (error: z.ZodError, prefix = ''): string[] => zodIssueLines(error, prefix);

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, source: string, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(source, formatZodIssues(result.error, prefix));
  return result.data;
}
