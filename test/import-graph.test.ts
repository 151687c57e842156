// The layering of DESIGN.md, checked on the source: dependencies between folders point one way (no
// folder-level cycle), and nothing outside cli/ imports cli/ (only the bundle entry, src/bin.ts, does).
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** A file's node in the folder graph: its folder under src/, or the file itself for top-level files. */
const node = (file: string) => {
  const rel = relative(SRC, file);
  return rel.includes('/') ? (rel.split('/')[0] as string) : rel.replace(/\.ts$/, '');
};

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
const edges = new Map<string, Set<string>>();
const cliImporters: string[] = [];
for (const file of sources(SRC)) {
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const target = normalize(join(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')));
    const [from, to] = [node(file), node(target)];
    if (to === 'cli' && from !== 'cli' && from !== 'bin') cliImporters.push(relative(SRC, file));
    if (from === to) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)?.add(to);
  }
}

t.test('nothing outside cli/ imports cli/', async (t) => {
  t.same(cliImporters, []);
});

t.test('no folder-level import cycle', async (t) => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (n: string, path: string[]) => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'open') {
      cycles.push([...path.slice(path.indexOf(n)), n].join(' -> '));
      return;
    }
    state.set(n, 'open');
    for (const next of edges.get(n) ?? []) visit(next, [...path, n]);
    state.set(n, 'done');
  };
  for (const n of edges.keys()) visit(n, []);
  t.same(cycles, []);
  t.ok(edges.get('engine')?.has('mapfile'), 'the graph was read (engine imports mapfile)');
});
