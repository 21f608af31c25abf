import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'requirements.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Block and line comments; `//` right after `:` or a quote is a URL or a string, not a comment. */
const COMMENT = /\/\*[\s\S]*?\*\/|(?<![:'"`\w])\/\/.*$/gm;
/**
 * A citation: `2.3`, `6.x` or a range `7.1-7.5`, not inside a longer number or word, not a
 * percentage (`3.5 %`) or a section sign (`§8.5`). Every section has five requirements, so
 * `1.6` or `10.8` in a comment is a quantity, not a citation.
 */
const CITATION = /(?<![\w.§])(10|[1-9])\.([1-5]|x)(?:\s*[-–]\s*(10|[1-9])\.([1-5]))?(?![\w.]|\s*%)/g;

function cited(): Map<string, string[]> {
  const where = new Map<string, string[]>();
  const add = (id: string, file: string) => where.set(id, [...new Set([...(where.get(id) ?? []), file])]);
  for (const path of sources(join(ROOT, 'src'))) {
    const file = relative(ROOT, path);
    for (const [comment] of readFileSync(path, 'utf8').matchAll(COMMENT)) {
      for (const [, section, item, toSection, toItem] of comment.matchAll(CITATION)) {
        if (item === 'x') add(`${section}.x`, file);
        else if (toSection === section) for (let i = Number(item); i <= Number(toItem); i++) add(`${section}.${i}`, file);
        else {
          add(`${section}.${item}`, file);
          if (toSection !== undefined) add(`${toSection}.${toItem}`, file);
        }
      }
    }
  }
  return where;
}

/** `- **2.3** …` defines 2.3; `## 6 …` defines the section 6.x. */
function definedInDoc(id: string): boolean {
  const [section, item] = id.split('.');
  const pattern = item === 'x' ? `^## ${section} ` : `^- \\*\\*${section}\\.${item}\\*\\* `;
  return new RegExp(pattern, 'm').test(DOC);
}

describe('docs/requirements.md', () => {
  const citations = cited();

  it('finds the requirement numbers src/ cites in its comments', () => {
    expect(citations.size).toBeGreaterThan(40);
    expect(citations.get('10.5')).toContain('src/activities/canary.ts');
    expect(citations.get('6.x')).toContain('src/golden/index.ts');
    expect(citations.has('1.6')).toBe(false); // "sd 1.6" in the simulator
  });

  it('explains every requirement number cited in src/', () => {
    const missing = [...citations].filter(([id]) => !definedInDoc(id)).map(([id, files]) => `${id} (cited in ${files.join(', ')})`);
    expect(missing).toEqual([]);
  });
});
