// The package as a site installs it: `npm pack` of this checkout's build, then `npm install -g` of the
// tarball into a scratch prefix with no registry to reach (a dead registry address and --offline, an empty
// cache). The installed tree must hold tokenmap and nothing else (the bundles are self-contained), and the
// installed executables, the shipped examples and the library entry must work from there.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { scratch } from './helpers/files.js';
import { ROOT, runBin } from './helpers/run.js';

const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

/** npm with nothing of this machine's configuration: its own home, cache and empty user config. */
function npm(args: string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    npm_config_userconfig: join(home, 'npmrc'),
    npm_config_cache: join(home, 'cache'),
    npm_config_registry: 'http://127.0.0.1:9/', // discard port: any fetch fails at once
    npm_config_update_notifier: 'false',
  };
  writeFileSync(env.npm_config_userconfig, '');
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const killer = setTimeout(() => child.kill('SIGKILL'), 120000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** Every file under `dir`, relative to `root`. */
function walk(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), root) : [join(dir, e.name).slice(root.length + 1)],
  );
}

const home = scratch();
const prefix = join(home, 'prefix');
const installed = join(prefix, 'lib', 'node_modules', PKG.name);
let packed: string[] = [];

t.before(async () => {
  const pack = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', home], home);
  if (pack.code !== 0) throw new Error(`npm pack: ${pack.stderr}`);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packed = (info?.files ?? []).map((f) => f.path).sort();
  const install = await npm(
    ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(home, info?.filename ?? '')],
    home,
  );
  if (install.code !== 0) throw new Error(`npm install -g: ${install.stderr}`);
});

t.test('the packed file list: what a CE needs and the documented examples, no tests, sources or maps', async (t) => {
  const fromRepo = (dir: string) => walk(join(ROOT, dir)).map((f) => `${dir}/${f}`);
  for (const f of [
    'LICENSE',
    'README.md',
    'package.json',
    'bin/tokenmap',
    'bin/tokenmap-callout',
    'bin/tokenmap.cjs',
    'bin/load-bundle.cjs',
    'bin/package.json',
    'dist/tokenmap.cjs',
    'dist/tokenmap.cjs.cache',
    'dist/tokens.cjs',
    'dist/library.js',
    'dist/index.d.ts',
    'docs/startup.md',
    ...fromRepo('schemas'),
    ...fromRepo('mapfiles'),
    ...fromRepo('dist-files'),
  ])
    t.ok(packed.includes(f), `packs ${f}`);
  t.same(
    packed.filter(
      (f) =>
        /^(test|src|scripts|\.ci|node_modules|\.tap)\//.test(f) ||
        /\.map$/.test(f) ||
        (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) ||
        (/^dist\/.*\.js$/.test(f) && f !== 'dist/library.js'),
    ),
    [],
    "no tests, sources, source maps or tsc's development build",
  );
  // The library's types are complete: every relative import of a packed declaration file is packed.
  const missing: string[] = [];
  for (const f of packed.filter((p) => p.endsWith('.d.ts')))
    for (const m of readFileSync(join(installed, f), 'utf8').matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      const target = normalize(join(dirname(f), `${m[1]}.d.ts`));
      if (!packed.includes(target)) missing.push(`${f} -> ${target}`);
    }
  t.same(missing, []);
});

t.test('npm install -g installs tokenmap and no dependency', async (t) => {
  t.same(readdirSync(join(prefix, 'lib', 'node_modules')), [PKG.name], 'only tokenmap in the prefix');
  t.notOk(existsSync(join(installed, 'node_modules')), 'no node_modules of its own');
  for (const b of ['tokenmap', 'tokenmap-callout']) t.ok(lstatSync(join(prefix, 'bin', b)).isSymbolicLink(), b);
});

const ex = (p: string) => join(installed, 'mapfiles', p);
const config = ex('tokenmap.ini');
const payload = readFileSync(join(ROOT, 'mapfiles/tokens/atlas-production.json')); // the installed copy is the same file

t.test('the installed tokenmap: version, a decision on the shipped example, check, test', async (t) => {
  const run = (args: string[], stdin?: Buffer) => runBin(args, { via: join(prefix, 'bin', 'tokenmap'), stdin });
  const version = await run(['--version']);
  t.equal(version.code, 0);
  t.equal(version.stdout.toString(), `${PKG.version}\n`, "package.json's version");
  const mapped = await run(['htcondor-plugin', '--config', config], payload);
  t.equal(mapped.stderr, '');
  t.equal(mapped.code, 0);
  t.equal(mapped.stdout.toString(), 'atlasprd\n');
  const fromCheckout = await runBin(['htcondor-plugin', '--config', join(ROOT, 'mapfiles/tokenmap.ini')], {
    stdin: payload,
  });
  t.same([mapped.code, mapped.stdout], [fromCheckout.code, fromCheckout.stdout], 'as the checkout answers');
  for (const c of [config, ex('arc/tokenmap.ini')]) {
    const check = await run(['check', '--config', c]);
    t.equal(check.code, 0, `check ${c}: ${check.stdout}${check.stderr}`);
  }
  // The fixtures verify the shipped JWTs: the verifier bundle (dist/tokens.cjs) loads from the install.
  const fixtures = await run(['test', '--config', config, ex('fixtures/tokenmap.json')]);
  t.equal(fixtures.code, 0, fixtures.stdout.toString().slice(-400));
});

t.test('the installed tokenmap-callout with no service answers as the cold path', async (t) => {
  const env = { TOKENMAP_SOCKET: join(home, 'absent.sock') };
  const callout = await runBin(['htcondor-plugin', '--config', config], {
    via: join(prefix, 'bin', 'tokenmap-callout'),
    stdin: payload,
    env,
  });
  t.equal(callout.code, 0);
  t.equal(callout.stdout.toString(), 'atlasprd\n');
  t.equal(callout.stderr, '', 'a silent fallback');
});

t.test('the library entry resolves by package name and decides without any dependency', async (t) => {
  // A module beside lib/node_modules resolves `tokenmap` through the package's exports map.
  const probe = join(prefix, 'lib', 'probe.mjs');
  writeFileSync(
    probe,
    [
      "import { buildRuleSet, claimsFromObject, evaluate, nodeReader } from 'tokenmap';",
      `const rules = buildRuleSet({ flags: [{ kind: 'mapfile', path: ${JSON.stringify(ex('condor_mapfile'))} }] }, nodeReader);`,
      `const claims = claimsFromObject(${payload.toString().trim()}, 'payload');`,
      'const d = evaluate(rules, claims, { now: 1e9 });',
      'process.stdout.write(JSON.stringify([d.result, d.htcondor]));',
    ].join('\n'),
  );
  const r = await runBin([probe], { via: process.execPath });
  t.equal(r.stderr, '');
  t.same(JSON.parse(r.stdout.toString() || 'null'), ['mapped', 'atlasprd@users.htcondor.org']);
});
