/** `vvtvctl autopilot golden record`: the engine's own expectations, written for review (docs/vvtv-integration.md). */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ValidationError } from '../config/errors';
import { writeFileAtomicSync } from '../adapters/fs-atomic';
import { defaultGoldenPath, loadGoldenSets } from '../golden/load';
import { renderGoldenSetYaml } from '../golden/generator';
import { recordExpectations } from '../golden/record';
import type { CliContext } from './context';

export async function record(c: CliContext, o: { set?: string; out: string; force?: boolean; timeoutSeconds: number }): Promise<void> {
  const cfg = c.config.golden;
  const engine = cfg.external_engine;
  if (!engine)
    throw new ValidationError('golden.external_engine', [
      'expected the engine to record from (command, version): recording with the reference selection would pin our own RNG again',
    ]);
  const out = resolve(o.out);
  if (existsSync(out) && statSync(out).isDirectory()) throw new ValidationError('--out', [`expected a file path, got the folder ${out}`]);
  if (!existsSync(dirname(out))) throw new ValidationError('--out', [`expected an existing folder, ${dirname(out)} does not exist`]);
  if (existsSync(out) && !o.force) throw new ValidationError('--out', [`${out} exists: pass --force to replace it`]);
  const sets = loadGoldenSets(o.set ?? cfg.path ?? defaultGoldenPath());
  if (sets.length !== 1)
    throw new ValidationError('--set', [`expected one golden set file, got ${sets.length} sets: name one file with --set`]);
  const set = sets[0]!;
  process.stderr.write(`recording ${set.cases.length} pinned case(s) of "${set.name}" with ${engine.command} …\n`);
  const r = await recordExpectations(
    set,
    { command: engine.command, version: engine.version, batchSize: engine.batch_size },
    o.timeoutSeconds * 1000,
  );
  const header =
    `# RECORDED expectations for golden set "${set.name}": every pinned order is what the engine\n` +
    `# \`${engine.command}\` (version ${engine.version ?? 'unversioned'}) selected on ${new Date().toISOString()}.\n` +
    `# Review, then point golden.path at this file (docs/vvtv-integration.md).\n`;
  writeFileAtomicSync(out, renderGoldenSetYaml(r.recorded, header));
  const changed = r.cases.filter((x) => x.changed);
  c.out({ set: r.set, out, cases: r.cases.length, changed: changed.map((x) => x.case) }, (v) =>
    [
      `wrote ${v.out}: ${v.cases} pinned case(s), ${v.changed.length} differ from the set's own expectations`,
      ...changed.flatMap((x) => [`  ${x.case}:`, ...x.diff.map((l) => `    ${l}`)]),
    ].join('\n'),
  );
}
