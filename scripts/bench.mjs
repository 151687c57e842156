// npm run bench: start-up of the callout paths against `node -e 0`, side by side in one run, the
// throughput of compiled lookups, and the warm path (tokenmap serve + bin/tokenmap-callout,
// bench-serve.mjs). Every number is a median over interleaved runs on this machine.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { osgWorkload } from './osg-workload.mjs';

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

/**
 * HTCondor hands the payload over on a pipe (pipe(2)); Node's spawn would make stdin a socket pair, which
 * tokenmap must read through process.stdin (a slower path no CE takes). A payload file read the way a pipe
 * is read stands in for it.
 */
function spawnTimed(c) {
  const fd = c.stdinFile ? openSync(c.stdinFile, 'r') : undefined;
  const t0 = process.hrtime.bigint();
  const env = c.inherit ? { ...process.env, ...c.env } : { PATH: process.env.PATH, ...c.env };
  const r = spawnSync(c.cmd, c.args, {
    input: fd === undefined ? (c.stdin ?? '') : undefined,
    stdio: [fd ?? 'pipe', 'pipe', 'pipe'],
    env,
    cwd: c.cwd ?? ROOT,
    maxBuffer: 1 << 30,
  });
  if (fd !== undefined) closeSync(fd);
  const elapsed = ms(t0);
  if (c.expect !== undefined && r.status !== c.expect)
    throw new Error(`${c.name}: exit ${r.status}: ${String(r.stderr).slice(0, 300)}`);
  return elapsed;
}

/**
 * The child's own peak RSS and CPU time, from its rusage as GNU time reports it (wait4 of the child).
 * A preloaded probe (NODE_OPTIONS=--require) cannot measure tokenmap: its launcher clears NODE_OPTIONS
 * for every callout, on purpose. Without /usr/bin/time both read n/a.
 */
const TIME = '/usr/bin/time';
const hasTime = spawnSync(TIME, ['-f', '%M', 'true']).status === 0;
function spawnWithUsage(cmd, args, opts) {
  if (!hasTime) return { r: spawnSync(cmd, args, opts), maxRssKb: null, cpuMs: null };
  const dir = mkdtempSync(join(tmpdir(), 'tokenmap-bench-usage-'));
  const out = join(dir, 'usage');
  try {
    const r = spawnSync(TIME, ['-f', '%M %U %S', '-o', out, '--', cmd, ...args], opts);
    const [kb, user, sys] = readFileSync(out, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
    return { r, maxRssKb: kb, cpuMs: (user + sys) * 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  const inheritedBase = times.has(INHERITED_NODE) ? median(times.get(INHERITED_NODE)) : base;
  console.log(`\n## Start-up (${RUNS} interleaved runs each, median wall time)\n`);
  console.log('| case | median ms | ratio to node -e 0 (same environment) | target |');
  console.log('|---|---:|---:|---|');
  for (const c of cases) {
    const m = median(times.get(c.name));
    console.log(
      `| ${c.name} | ${m.toFixed(1)} | ${(m / (c.inherit ? inheritedBase : base)).toFixed(2)}x | ${c.target ?? ''} |`,
    );
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
      principals.push(
        i % 11 === 0 ? `https://unknown${n}.example.org/,${sub}` : `https://issuer${n}.example.org/,${sub}`,
      );
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
    console.log(
      `| load + compile, in process, median of ${loads.length} | ${median(loads).toFixed(1)} ms | < 100 ms |`,
    );
    console.log(`| lookups per second, in process | ${Math.round(perSec).toLocaleString('en')} | >= 200,000 |`);
    console.log(
      `| lookups per second, \`lookup -\` (${batch.length.toLocaleString('en')} principals, one process, start-up included) | ${Math.round(batchPerSec).toLocaleString('en')} | >= 100,000 |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Issue 11's `lookup -` target: 200,000 principals against a 10,000-line OSG-style map file (fixed seed,
 * scripts/osg-workload.mjs), one process each run, start-up included, principals on a pipe.
 */
function osgLookups() {
  const dir = mkdtempSync(join(tmpdir(), 'tokenmap-bench-'));
  try {
    const w = osgWorkload();
    const path = join(dir, 'osg_mapfile');
    writeFileSync(path, w.text);
    const n = w.principals.length;
    const builds = [{ name: 'this build', bin: BIN, walls: [], cpus: [] }];
    if (baseline) builds.push({ name: 'baseline build', bin: join(baseline, 'bin/tokenmap'), walls: [], cpus: [] });
    // Interleaved, so that the load of a shared machine falls on every build alike.
    for (let i = 0; i < (quick ? 1 : 3); i++)
      for (const b of builds) {
        const t0 = process.hrtime.bigint();
        const { r, cpuMs } = spawnWithUsage(b.bin, ['lookup', '--mapfile', path, '-'], {
          input: w.stdin,
          env: { PATH: process.env.PATH },
          maxBuffer: 1 << 30,
        });
        b.walls.push(ms(t0));
        if (r.status !== 1) throw new Error(`osg lookup -: exit ${r.status}: ${String(r.stderr).slice(0, 300)}`);
        const lines = String(r.stdout).split('\n').length - 1;
        if (lines !== n) throw new Error(`osg lookup -: ${lines} answers for ${n} principals`);
        if (cpuMs !== null) b.cpus.push(cpuMs);
      }
    const fmt = (x) => Math.round(x).toLocaleString('en');
    console.log(
      `\n## \`lookup -\` on an OSG-style map file (${w.text.split('\n').length - 1} lines, 600 issuers, ${n.toLocaleString('en')} principals: 45% exact, 30% near misses, 25% other issuers)\n`,
    );
    console.log('| build | measure | lookups per second | target | ratio to target |');
    console.log('|---|---|---:|---|---:|');
    for (const b of builds) {
      const perSec = n / (median(b.walls) / 1000);
      const runs = b.walls.map((x) => x.toFixed(0)).join(', ');
      console.log(
        `| ${b.name} | start-up included, median wall time of ${b.walls.length} (${runs} ms) | ${fmt(perSec)} | >= 100,000 | ${(perSec / 100000).toFixed(2)}x |`,
      );
      if (b.cpus.length) {
        const cpuPerSec = n / (median(b.cpus) / 1000);
        console.log(
          `| ${b.name} | per CPU second (user + system of the process, median ${median(b.cpus).toFixed(0)} ms) | ${fmt(cpuPerSec)} | | ${(cpuPerSec / 100000).toFixed(2)}x |`,
        );
      }
    }
    if (builds.length === 2)
      console.log(
        `\nThis build against the baseline: ${(median(builds[1].walls) / median(builds[0].walls)).toFixed(2)}x faster in wall time, ${(median(builds[1].cpus) / median(builds[0].cpus)).toFixed(2)}x in CPU time.`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Decisions per second of the engine in process, over a generated 1,000-rule policy set. */
function decisions() {
  const dir = mkdtempSync(join(tmpdir(), 'tokenmap-bench-'));
  try {
    const EGI = 'https://aai.egi.eu/auth/realms/egi';
    let text = '[mappings]\n';
    for (let i = 0; i < 500; i++)
      text += `user${i} = * ${EGI} * compute.create urn:mace:egi.eu:group:vo${i}.example.org:role=member#aai.egi.eu\n`;
    for (let i = 0; i < 250; i++)
      text += `[rule vo${i}-pilots]\nissuer = ${EGI}\nvo = vo${i}.example.org\nrole = pilot\naudience_optional = yes\naccount = pilot${i}\n`;
    for (let i = 0; i < 250; i++)
      text += `[rule wlcg${i}]\nissuer = https://iam${i}.example.org/\naudience = https://ce.example.org\ngroups = /vo${i}/pilots\nscopes = compute.create\naccount = wlcg${i}\n`;
    const file = join(dir, 'policy.ini');
    writeFileSync(file, text);
    const t0 = process.hrtime.bigint();
    const rules = lib.buildRuleSet({ flags: [{ kind: 'policy', path: file }] }, lib.nodeReader);
    const loadMs = ms(t0);
    const claims = [];
    for (let i = 0; i < 1000; i++) {
      const n = (i * 7) % 500;
      const payload =
        i % 3 === 0
          ? {
              iss: `https://iam${n % 250}.example.org/`,
              sub: 's',
              aud: 'https://ce.example.org',
              scope: 'compute.create',
              'wlcg.groups': [`/vo${n % 250}/pilots`],
              exp: 4102444800,
            }
          : {
              iss: EGI,
              sub: `u${i}@egi.eu`,
              scope: `compute.create eduperson_entitlement:urn:mace:egi.eu:group:vo${n}.example.org:role=${i % 2 ? 'member' : 'pilot'}#aai.egi.eu`,
              exp: 4102444800,
            };
      claims.push(lib.claimsFromObject(payload, 'payload'));
    }
    const now = Date.now() / 1000;
    for (const c of claims) lib.evaluate(rules, c, { now });
    let count = 0;
    let mapped = 0;
    const t1 = process.hrtime.bigint();
    while (ms(t1) < (quick ? 300 : 1000)) {
      for (const c of claims) if (lib.evaluate(rules, c, { now }).result === 'mapped') mapped++;
      count += claims.length;
    }
    console.log('\n## Policy evaluation (1,000 rules: 500 check-in-validator [mappings], 500 native)\n');
    console.log('| measure | value | target |');
    console.log('|---|---:|---|');
    console.log(`| load + compile the policy file | ${loadMs.toFixed(1)} ms | |`);
    console.log(
      `| decisions per second, in process (${Math.round((100 * mapped) / count)}% mapped) | ${Math.round(count / (ms(t1) / 1000)).toLocaleString('en')} | >= 100,000 |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function peakMemory(cases) {
  console.log("\n## Peak memory (max RSS of one run, from the child's rusage: /usr/bin/time %M)\n");
  console.log('| case | max RSS |');
  console.log('|---|---:|');
  for (const c of cases) {
    const fd = c.stdinFile ? openSync(c.stdinFile, 'r') : undefined;
    const { maxRssKb: kb } = spawnWithUsage(c.cmd, c.args, {
      input: fd === undefined ? (c.stdin ?? '') : undefined,
      stdio: [fd ?? 'pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, ...c.env },
      cwd: c.cwd ?? ROOT,
    });
    if (fd !== undefined) closeSync(fd);
    console.log(`| ${c.name} | ${kb ? (kb / 1024).toFixed(1) + ' MiB' : 'n/a (no /usr/bin/time)'} |`);
  }
}

const ATLAS = 'https://atlas-auth.web.cern.ch/,7dee38a3-6ab8-4fe2-9e4c-58039c21d817';
const payload = (name) => readFileSync(join(ROOT, 'mapfiles/tokens', `${name}.json`), 'utf8');
// ARC 7's environment for the EGI token (shared/spec/callout-protocols.md §4.4), as `tokenmap test` builds it.
const { arc7Env } = await import(join(ROOT, 'dist/claims/arc7-env.js'));
const arcEnv = arc7Env(JSON.parse(payload('egi-biomed-pilot')));
const cases = [
  { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
  {
    name: 'tokenmap lookup (mapfiles/condor_mapfile, one principal)',
    cmd: BIN,
    args: ['lookup', '--mapfile', 'mapfiles/condor_mapfile', ATLAS],
    expect: 0,
    target: '<= 1.3x',
  },
  {
    name: 'tokenmap htcondor-plugin (example config, EGI payload on stdin -> PLUGIN:TOKENMAP -> policy)',
    cmd: BIN,
    args: ['htcondor-plugin', '--config', 'mapfiles/tokenmap.ini'],
    stdinFile: join(ROOT, 'mapfiles/tokens/egi-biomed-pilot.json'),
    expect: 0,
    target: '<= 1.3x',
  },
  {
    name: 'tokenmap arc-plugin (example config, ARC 7 environment)',
    cmd: BIN,
    args: ['arc-plugin', '--config', 'mapfiles/tokenmap.ini'],
    env: arcEnv,
    expect: 0,
    target: '<= 1.3x',
  },
];
/**
 * explain of a signed token whose issuer's keys are in tokenmap's key cache (fresh, so nothing is
 * fetched): the verifier bundle and jose are loaded, a callout never pays for them.
 */
function warmKeyCacheCase() {
  const dir = mkdtempSync(join(tmpdir(), 'tokenmap-bench-'));
  const iss = 'https://iam.bench.invalid/';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const entry = {
    expiration: now + 86400,
    next_update: now + 21600,
    jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' }] },
    tokenmap: { fetched_at: now },
  };
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', createHash('sha256').update(iss).digest('hex')), JSON.stringify({ [iss]: entry }));
  writeFileSync(join(dir, 'p.ini'), `[rule r]\nissuer = ${iss}\naccount = benchuser\n`);
  writeFileSync(
    join(dir, 'tokenmap.ini'),
    `[rules]\nsource[] = policy:p.ini\n[audience]\naccept = https://ce.example.org\n` +
      `[tokens]\ntrust[] = ${iss}\nkey_cache = keys\nsystem_jwks_cache = no\n`,
  );
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const claims = {
    iss,
    sub: 's',
    aud: 'https://ce.example.org',
    'wlcg.ver': '1.0',
    jti: 'j',
    iat: now,
    exp: now + 86400,
  };
  const input = `${b64({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })}.${b64(claims)}`;
  const token = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  const args = ['explain', '--config', join(dir, 'tokenmap.ini'), token];
  return {
    dir,
    cases: [
      { name: "tokenmap explain, signed token, key in tokenmap's warm key cache", cmd: BIN, args, expect: 0 },
      { name: 'tokenmap explain --no-verify, same token', cmd: BIN, args: [...args, '--no-verify'], expect: 0 },
    ],
  };
}
const warm = warmKeyCacheCase();
cases.push(...warm.cases);

// TOKENMAP_BENCH_BASELINE=DIR (another built checkout, run in its own directory) times that build's callouts in the
// same run, so a change's effect on start-up is a side-by-side ratio, not a comparison across runs.
const baseline = process.env.TOKENMAP_BENCH_BASELINE;
if (baseline)
  for (const c of cases.filter((x) => / (lookup|htcondor-plugin|arc-plugin) /.test(` ${x.name} `)))
    cases.push({ ...c, name: `${c.name}, baseline build`, cmd: join(baseline, 'bin/tokenmap'), cwd: baseline });
const INHERITED_NODE = 'node -e 0, environment of this shell';
if (process.env.NODE_EXTRA_CA_CERTS) {
  const plugin = cases.find((c) => c.name.startsWith('tokenmap htcondor-plugin'));
  cases.push({ name: INHERITED_NODE, cmd: process.execPath, args: ['-e', '0'], inherit: true });
  cases.push({ ...plugin, name: 'tokenmap htcondor-plugin, environment of this shell', inherit: true });
}
console.log(`# tokenmap bench (node ${process.version}, ${new Date().toISOString()})`);
console.log('\nChildren run with a clean environment (PATH only), as a CE daemon starts them.');
if (process.env.NODE_EXTRA_CA_CERTS)
  console.log(
    'This shell sets NODE_EXTRA_CA_CERTS (~40 ms more per node start): the plugin is also timed with it, against node -e 0 with it.',
  );
startup(cases);
peakMemory(cases.filter((c) => !c.inherit));
throughput();
osgLookups();
decisions();
rmSync(warm.dir, { recursive: true, force: true });
const { inService, serviceMemory, warmPath } = await import('./bench-serve.mjs');
warmPath({ ROOT, BIN, quick });
await serviceMemory(await inService({ ROOT, BIN, quick }), { quick });
