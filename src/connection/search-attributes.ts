/**
 * The custom search attributes the workflows write (VvtvChannel, VvtvOutcome, VvtvState, so the
 * Web UI and vvtvctl can filter runs). A worker host reconciles them at start through the operator
 * service: lists them, adds the missing ones (idempotent, several hosts may race), and when the
 * server refuses (Temporal Cloud, a cluster without operator rights) fails with the commands to run.
 */
import type { Connection } from '@temporalio/client';

export type SearchAttributeKind = 'Keyword';

export const CUSTOM_SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; type: SearchAttributeKind }> = [
  { name: 'VvtvChannel', type: 'Keyword' },
  { name: 'VvtvOutcome', type: 'Keyword' },
  { name: 'VvtvState', type: 'Keyword' },
];

/** temporal.api.enums.v1.IndexedValueType */
const INDEXED_VALUE_TYPE: Record<SearchAttributeKind, number> = { Keyword: 2 };
const TYPE_NAME: Record<number, string> = { 1: 'Text', 2: 'Keyword', 3: 'Int', 4: 'Double', 5: 'Bool', 6: 'Datetime', 7: 'KeywordList' };

/** gRPC status codes meaning "you may not do this here". */
const REFUSED = new Map([
  [7, 'PERMISSION_DENIED'],
  [12, 'UNIMPLEMENTED'],
  [16, 'UNAUTHENTICATED'],
]);
const ALREADY_EXISTS = 6;

export type OperatorService = Pick<Connection['operatorService'], 'listSearchAttributes' | 'addSearchAttributes'>;

/** The `temporal operator search-attribute create` commands an operator runs by hand. */
export function searchAttributeCommands(namespace: string, names = CUSTOM_SEARCH_ATTRIBUTES.map((a) => a.name)): string[] {
  return CUSTOM_SEARCH_ATTRIBUTES.filter((a) => names.includes(a.name)).map(
    (a) => `temporal operator search-attribute create --namespace ${namespace} --name ${a.name} --type ${a.type}`,
  );
}

export class SearchAttributesError extends Error {
  override readonly name = 'SearchAttributesError';
}

export type SearchAttributeResult = { present: string[]; added: string[] };

function refusal(err: unknown): string | null {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? (REFUSED.get(code) ?? null) : null;
}

function refusedError(namespace: string, step: string, why: string, missing: string[]): SearchAttributesError {
  return new SearchAttributesError(
    `the Temporal server refused to ${step} the search attributes of namespace ${namespace} (${why}); ` +
      `register them once by hand, then start the worker again:\n  ${searchAttributeCommands(namespace, missing).join('\n  ')}` +
      `\n(Temporal Cloud: add them in the Cloud UI or with \`tcld namespace search-attributes add\`, type Keyword.)`,
  );
}

/**
 * Makes sure the namespace has the three attributes, with the right type. Adds the missing ones
 * and waits until the server lists them (a workflow upserting one right after start must not fail).
 */
export async function ensureSearchAttributes(
  op: OperatorService,
  namespace: string,
  opts: { waitMs?: number } = {},
): Promise<SearchAttributeResult> {
  const list = async (missingIfRefused: string[]) => {
    try {
      return (await op.listSearchAttributes({ namespace })).customAttributes ?? {};
    } catch (err) {
      const why = refusal(err);
      if (why) throw refusedError(namespace, 'list', `${why}: ${(err as Error).message}`, missingIfRefused);
      throw err;
    }
  };
  const all = CUSTOM_SEARCH_ATTRIBUTES.map((a) => a.name);
  const current = await list(all);
  const wrongType = CUSTOM_SEARCH_ATTRIBUTES.filter((a) => a.name in current && current[a.name] !== INDEXED_VALUE_TYPE[a.type]);
  if (wrongType.length) {
    const w = wrongType.map((a) => `${a.name} is ${TYPE_NAME[current[a.name] as number] ?? current[a.name]}, expected ${a.type}`);
    throw new SearchAttributesError(`namespace ${namespace}: search attribute of the wrong type: ${w.join('; ')}`);
  }
  const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((a) => !(a.name in current));
  const present = CUSTOM_SEARCH_ATTRIBUTES.filter((a) => a.name in current).map((a) => a.name);
  if (!missing.length) return { present, added: [] };
  try {
    await op.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_VALUE_TYPE[a.type]])),
    });
  } catch (err) {
    const why = refusal(err);
    if (why)
      throw refusedError(
        namespace,
        'add',
        `${why}: ${(err as Error).message}`,
        missing.map((a) => a.name),
      );
    // Another host added them first: fine, the list below confirms.
    if ((err as { code?: unknown }).code !== ALREADY_EXISTS) throw err;
  }
  const deadline = Date.now() + (opts.waitMs ?? 30_000);
  for (;;) {
    const now = await list([]);
    const still = missing.filter((a) => !(a.name in now));
    if (!still.length) return { present, added: missing.map((a) => a.name) };
    if (Date.now() > deadline)
      throw new SearchAttributesError(`namespace ${namespace}: ${still.map((a) => a.name).join(', ')} still missing after adding them`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
