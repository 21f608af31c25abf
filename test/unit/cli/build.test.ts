import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');

/** A checkout in miniature: the real bin/vvtvctl, scripts/ and node_modules, and a one-file src/cli. */
function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vvtv-build-'));
  for (const f of ['bin/vvtvctl', 'scripts/build.js', 'scripts/setup.sh', 'scripts/install-promtool.sh']) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    copyFileSync(join(ROOT, f), join(dir, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  mkdirSync(join(dir, 'src/cli'), { recursive: true });
  writeFileSync(
    join(dir, 'src/cli/index.ts'),
    "const v: string = 'one';\nprocess.stdout.write(`${v} ${process.argv.slice(2).join(' ')}\\n`);\n",
  );
  return dir;
}

const vvtvctl = (dir: string, ...args: string[]) => spawnSync('bash', [join(dir, 'bin/vvtvctl'), ...args], { encoding: 'utf8' });

describe('bin/vvtvctl runs the compiled CLI, never a stale one', () => {
  it('builds dist/ when it is missing, and says so on stderr', () => {
    const dir = checkout();
    const r = vvtvctl(dir, 'autopilot', 'status');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('one autopilot status\n');
    expect(r.stderr).toMatch(/\[build\] no build yet: compiling 1 files from src\/ into dist\//);
  });

  it('runs without building when nothing changed, even after a touch', () => {
    const dir = checkout();
    vvtvctl(dir);
    expect(vvtvctl(dir, 'x').stderr).toBe('');
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'src/cli/index.ts'), later, later);
    const r = vvtvctl(dir, 'x');
    expect(r.stdout).toBe('one x\n');
    expect(r.stderr).toBe('');
  });

  it('rebuilds when a source is newer than the build, and runs the new code', () => {
    const dir = checkout();
    vvtvctl(dir);
    writeFileSync(join(dir, 'src/cli/index.ts'), "process.stdout.write('two\\n');\n");
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'src/cli/index.ts'), later, later);
    const r = vvtvctl(dir);
    expect(r.stderr).toMatch(/\[build\] sources changed: compiling/);
    expect(r.stdout).toBe('two\n');
  });

  it('exits 1 and names the failure when the build fails', () => {
    const dir = checkout();
    writeFileSync(join(dir, 'src/cli/index.ts'), 'const = ;\n');
    const r = vvtvctl(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[build\] failed: .*\nvvtvctl: the build failed/s);
  });
});

describe('scripts/setup.sh while it builds the Temporal CLI', () => {
  it('prints a progress line per tick with elapsed time and counts, then the build of dist/', () => {
    const dir = checkout();
    writeFileSync(join(dir, 'package-lock.json'), '{}\n');
    // node_modules: the lockfile stamp setup.sh checks (so no npm ci) and the compiler the build needs.
    const modules = join(dir, 'modules');
    mkdirSync(modules);
    writeFileSync(join(modules, '.vvtv-lock-sha'), `${createHash('sha256').update('{}\n').digest('hex')}\n`);
    rmSync(join(dir, 'node_modules'));
    symlinkSync(modules, join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'node_modules/@swc'), join(modules, '@swc'));
    // A stand-in for go: it downloads, compiles for ~3 s, then installs a `temporal` that prints its version.
    const fakeBin = join(dir, 'fake-bin');
    mkdirSync(fakeBin);
    writeFileSync(
      join(fakeBin, 'go'),
      [
        '#!/usr/bin/env bash',
        'echo "go: downloading github.com/temporalio/cli v1.5.1" >&2',
        'for p in a b c; do sleep 1; echo "example.com/pkg/$p" >&2; done',
        'printf \'#!/usr/bin/env bash\\necho "temporal version 1.5.1"\\n\' > "$GOBIN/temporal"; chmod +x "$GOBIN/temporal"',
      ].join('\n'),
    );
    chmodSync(join(fakeBin, 'go'), 0o755);
    // promtool already there (its own installer is tested through scripts/check-rules.sh).
    writeFileSync(join(fakeBin, 'promtool'), '#!/usr/bin/env bash\necho "promtool, version 0"\n');
    chmodSync(join(fakeBin, 'promtool'), 0o755);
    const env = {
      PATH: `${fakeBin}:/usr/bin:/bin:${join(process.execPath, '..')}`,
      HOME: dir,
      VVTV_TOOLS_DIR: join(dir, 'tools'),
      VVTV_SETUP_TICK_SECONDS: '1',
    };
    const r = spawnSync('bash', [join(dir, 'scripts/setup.sh')], { encoding: 'utf8', env });
    expect(r.stderr).not.toMatch(/\[promtool\]/);
    expect(r.status).toBe(0);
    const ticks = r.stderr
      .split('\n')
      .filter((l) => /^\[setup\] {3}… \d+ min \d+ s: \d+ modules downloaded, \d+ packages compiled$/.test(l));
    expect(ticks.length).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toMatch(/about 9 minutes on a fresh machine/);
    expect(r.stderr).toMatch(/\[setup\] Temporal CLI ready after 0 min \d+ s: temporal version 1\.5\.1/);
    expect(r.stderr).toMatch(/\[build\] no build yet: compiling 1 files/);
  });
});
