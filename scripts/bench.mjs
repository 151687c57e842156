// npm run bench: start-up of the callout paths against `node -e 0`, side by side in one run, and the
// throughput of compiled lookups. Every number is a median over interleaved runs on this machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/tokenmap');
const quick = process.argv.includes('--quick');
const RUNS = quick ? 10 : 40;
const lib = await import(join(ROOT, 'dist/index.js'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

function spawnTimed(c) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c.cmd, c.args, { input: c.stdin ?? '', env: { PATH: process.env.PATH, ...c.env }, cwd: ROOT, maxBuffer: 1 << 30 });
  const elapsed = ms(t0);
  if (c.expect !== undefined && r.status !== c.expect) throw new Error(`${c.name}: exit ${r.status}: ${String(r.stderr).slice(0, 300)}`);
  return elapsed;
}

/** Interleaved in a shuffled order each round, so that drift of the machine hits every case alike. */
function startup(cases) {
  const times = new Map(cases.map((c) => [c.name, []]));
  for (let round = -3; round < RUNS; round++) {
    const order = [...cases].sort(() => Math.random() - 0.5);
    for (const c of order) {
      const t = spawnTimed(c);
      if (round >= 0) times.get(c.name).push(t);
    }
  }
  const base = median(times.get('node -e 0'));
  console.log(`\n## Start-up (${RUNS} interleaved runs each, median wall time)\n`);
  console.log('| case | median ms | ratio to node -e 0 | target |');
  console.log('|---|---:|---:|---|');
  for (const c of cases) {
    const m = median(times.get(c.name));
    console.log(`| ${c.name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)}x | ${c.target ?? ''} |`);
  }
}

function generatedMap(dir, lines) {
  // Realistic shape: many issuers, a few pinned subjects each, OSG-style escapes, some literal keys.
  let text = '# generated for npm run bench\n';
  for (let i = 0; text.split('\n').length <= lines; i++) {
    const iss = `https://issuer${i}.example.org/`;
    const esc = iss.replace(/[./:-]/g, (c) => '\\' + c);
    text += `SCITOKENS /^${esc},pilot-${i}-a$/ user${i}a\n`;
    text += `SCITOKENS /^${esc},pilot-${i}-(b|c)$/ user${i}\\1\n`;
    text += `SCITOKENS "${iss},literal-${i}" lit${i}\n`;
    text += `SCITOKENS /^${esc},/ vo${i}\n`;
  }
  const path = join(dir, 'condor_mapfile');
  writeFileSync(path, text);
  return { path, issuers: Math.floor(lines / 4) };
}

function throughput() {
  const dir = mkdtempSync(join(tmpdir(), 'tokenmap-bench-'));
  try {
    const { path, issuers } = generatedMap(dir, 10000);
    const loads = [];
    let source;
    for (let i = 0; i < (quick ? 3 : 7); i++) {
      const t0 = process.hrtime.bigint();
      source = lib.loadMapSource(path, lib.nodeReader, { hashKeys: true });
      loads.push(ms(t0));
    }
    const principals = [];
    for (let i = 0; i < 2000; i++) {
      const n = (i * 7919) % issuers;
      const sub = ['pilot-' + n + '-a', 'pilot-' + n + '-c', 'literal-' + n, 'someone-else', 'x'][i % 5];
      principals.push(i % 11 === 0 ? `https://unknown${n}.example.org/,${sub}` : `https://issuer${n}.example.org/,${sub}`);
    }
    for (const p of principals) lib.lookup(source.map, 'SCITOKENS', p); // first touch translates the regexes
    let count = 0;
    const t0 = process.hrtime.bigint();
    while (ms(t0) < (quick ? 300 : 1000)) {
      for (const p of principals) lib.lookup(source.map, 'SCITOKENS', p);
      count += principals.length;
    }
    const perSec = count / (ms(t0) / 1000);
    const batch = [];
    for (let i = 0; i < 100; i++) batch.push(...principals);
    const stdin = batch.join('\n') + '\n';
    const t1 = process.hrtime.bigint();
    spawnTimed({ name: 'lookup -', cmd: BIN, args: ['lookup', '--mapfile', path, '-'], stdin, expect: 1 });
    const batchPerSec = batch.length / (ms(t1) / 1000);
    console.log('\n## Compiled map file (10,000 lines, ' + issuers + ' issuers)\n');
    console.log('| measure | value | target |');
    console.log('|---|---:|---|');
    console.log(`| load + compile, in process, first (cold) run | ${loads[0].toFixed(1)} ms | < 100 ms |`);
    console.log(`| load + compile, in process, median of ${loads.length} | ${median(loads).toFixed(1)} ms | < 100 ms |`);
    console.log(`| lookups per second, in process | ${Math.round(perSec).toLocaleString('en')} | >= 200,000 |`);
    console.log(`| lookups per second, \`lookup -\` (${batch.length.toLocaleString('en')} principals, one process, start-up included) | ${Math.round(batchPerSec).toLocaleString('en')} | >= 100,000 |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ATLAS = 'https://atlas-auth.web.cern.ch/,7dee38a3-6ab8-4fe2-9e4c-58039c21d817';
console.log(`# tokenmap bench (node ${process.version}, ${new Date().toISOString()})`);
startup([
  { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
  { name: 'tokenmap lookup (mapfiles/condor_mapfile, one principal)', cmd: BIN, args: ['lookup', '--mapfile', 'mapfiles/condor_mapfile', ATLAS], expect: 0, target: '<= 1.3x' },
]);
throughput();
