// The callout start-up path stays lean (docs/startup.md): a callout never evaluates commander, jose, the
// ajv compiler or Node's stream modules. Checked twice: on the source (what the callout commands import
// statically) and on the real binary (which Node builtins a real callout loads).
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arc7Env } from './helpers/ce-env.js';
import { BIN, ROOT, runBin } from './helpers/run.js';

const SRC = join(ROOT, 'src');
/** Static value imports (not `import type`, not `import()`): what evaluating a module evaluates. */
const STATIC = /^import\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const FORBIDDEN =
  /^(commander|jose|ajv(?!\/dist\/runtime\/)|ajv-formats|node:(stream|readline|net|tty|child_process|crypto))/;

function closure(entries: string[]): { packages: Set<string>; files: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) visit(normalize(join(dirname(file), spec.replace(/\.js$/, '.ts'))));
      else packages.add(spec);
    }
  };
  entries.forEach((e) => visit(join(SRC, e)));
  return { packages, files };
}

t.test('the callout commands import nothing heavy, statically', async (t) => {
  for (const command of ['htcondor-plugin', 'arc-plugin', 'lookup']) {
    const { packages, files } = closure(['bin.ts', `cli/${command}.ts`]);
    t.same(
      [...packages].filter((p) => FORBIDDEN.test(p)),
      [],
      `${command}: no commander, jose, ajv compiler or stream modules`,
    );
    t.notOk(files.has(join(SRC, 'cli/program.ts')), `${command}: the commander program is not reached`);
  }
});

const PROBE = fileURLToPath(new URL('./helpers/module-probe.cjs', import.meta.url));
const LEAN = /^NativeModule (stream|net|tty|child_process|crypto|readline|internal\/streams\/readable)$/;

/** Runs bin/tokenmap under the probe, stdin from `stdinFile` through a real pipe as HTCondor gives it. */
async function loadedModules(args: string[], opts: { stdinFile?: string; env?: Record<string, string> } = {}) {
  const out = join(mkdtempSync(join(tmpdir(), 'tokenmap-probe-')), 'modules');
  // exec env -u NODE_OPTIONS: without the loaders tap's process-info hook adds to every child.
  const script =
    'f=$1 probe=$2 bin=$3; shift 3; ' +
    `${opts.stdinFile ? 'cat "$f"' : ':'} | exec env -u NODE_OPTIONS "$0" --require "$probe" "$bin" "$@"`;
  // The Node side of the launcher: the probe must run inside the same Node process.
  const r = await runBin(['-c', script, process.execPath, opts.stdinFile ?? '', PROBE, `${BIN}.cjs`, ...args], {
    via: '/bin/sh',
    env: { ...opts.env, TOKENMAP_PROBE_OUT: out },
  });
  return { r, modules: readFileSync(out, 'utf8').split('\n') };
}

t.test('a real callout loads no stream, net, tty, child_process or crypto module', async (t) => {
  const egi = JSON.parse(readFileSync(join(ROOT, 'mapfiles/tokens/egi-biomed-pilot.json'), 'utf8'));
  const runs: [string, Promise<Awaited<ReturnType<typeof loadedModules>>>][] = [
    [
      'htcondor-plugin',
      loadedModules(['htcondor-plugin', '--config', 'mapfiles/tokenmap.ini'], {
        stdinFile: join(ROOT, 'mapfiles/tokens/atlas-production.json'),
      }),
    ],
    ['arc-plugin', loadedModules(['arc-plugin', '--config', 'mapfiles/tokenmap.ini'], { env: arc7Env(egi) })],
    ['lookup', loadedModules(['lookup', '--mapfile', 'mapfiles/condor_mapfile', 'nobody,nothing'])],
  ];
  for (const [name, run] of runs) {
    const { r, modules } = await run;
    t.ok(r.code === 0 || r.code === 1, `${name} ran (exit ${r.code}; ${r.stderr.trim()})`);
    t.same(
      modules.filter((m) => LEAN.test(m)),
      [],
      `${name}: none of them`,
    );
  }
  const help = await loadedModules(['--help']);
  t.ok(
    help.modules.some((m) => LEAN.test(m)),
    'the probe sees them where they are loaded (--help goes through commander)',
  );
});
