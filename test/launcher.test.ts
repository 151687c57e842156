// Point 10 of issue 7: bin/tokenmap keeps the exit contract wherever it is and whatever it inherits.
import t, { type Test } from 'tap';
import { copyFileSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { BIN, ROOT, runBin } from './helpers/run.js';

const CONFIG = join(ROOT, 'mapfiles/tokenmap.ini');
const PAYLOAD = readFileSync(join(ROOT, 'mapfiles/tokens/atlas-production.json'));
const PATH = process.env.PATH ?? '/usr/bin:/bin';

/** Runs an executable (the launcher, a link to it, a copy) with exactly this environment. */
const run = (exe: string, env: Record<string, string>, args = ['htcondor-plugin', '--config', CONFIG]) =>
  runBin(['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), exe, ...args], {
    via: '/usr/bin/env',
    stdin: PAYLOAD,
  });

const oneLine = (t: Test, stderr: string, re: RegExp) => {
  t.match(stderr, /^tokenmap: [^\n]+\n$/, 'one stderr line');
  t.match(stderr, re);
};

t.test('a callout through the launcher maps as usual', async (t) => {
  const r = await run(BIN, { PATH });
  t.equal(r.code, 0);
  t.equal(r.stdout.toString(), 'atlasprd\n');
});

t.test('symlinked anywhere, even through a chain of links, or called by a relative path', async (t) => {
  const dir = scratch();
  const link = join(dir, 'tokenmap');
  symlinkSync(BIN, link);
  const link2 = join(dir, 'tm2');
  symlinkSync(link, link2);
  for (const exe of [link, link2]) {
    const r = await run(exe, { PATH });
    t.equal(r.code, 0, exe);
    t.equal(r.stdout.toString(), 'atlasprd\n');
  }
  const rel = await runBin(['-i', `PATH=${PATH}`, './tm2', 'htcondor-plugin', '--config', CONFIG], {
    via: '/usr/bin/env',
    cwd: dir,
    stdin: PAYLOAD,
  });
  t.equal(rel.code, 0, 'relative path');
  const snippet = await run(link, { PATH }, ['snippet', 'htcondor-ce', '--config', CONFIG]);
  t.match(
    snippet.stdout.toString(),
    `_COMMAND = ${BIN} htcondor-plugin`,
    'snippet names the launcher, not bin/tokenmap.cjs',
  );
});

t.test('copied away from dist/: one line, exit 2', async (t) => {
  const copy = join(scratch(), 'tokenmap');
  copyFileSync(BIN, copy);
  chmodSync(copy, 0o755);
  const r = await run(copy, { PATH });
  t.equal(r.code, 2);
  t.equal(r.stdout.length, 0);
  oneLine(t, r.stderr, /cannot find .*dist\/tokenmap\.cjs/);
});

t.test('no node on PATH: one line, exit 2 (not 127)', async (t) => {
  const r = await run(BIN, { PATH: scratch() });
  t.equal(r.code, 2);
  oneLine(t, r.stderr, /node is not on PATH/);
});

t.test('a Node older than 20.19: one line, exit 2', async (t) => {
  const dir = scratch();
  const fake = put(
    dir,
    'old.cjs',
    "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.18.3' } });\n",
  );
  writeFileSync(join(dir, 'node'), `#!/bin/sh\nexec ${process.execPath} -r ${fake} "$@"\n`);
  chmodSync(join(dir, 'node'), 0o755);
  const r = await run(BIN, { PATH: `${dir}:${PATH}` });
  t.equal(r.code, 2);
  oneLine(t, r.stderr, /Node 20\.18\.3 .* is too old: tokenmap needs Node 20\.19 or newer/);
});

t.test('inherited NODE_OPTIONS and other NODE_* variables change nothing', async (t) => {
  const dir = scratch();
  const evil = put(dir, 'evil.cjs', "process.stdout.write('root\\n'); process.exit(0);\n");
  for (const env of <Record<string, string>[]>[
    { NODE_OPTIONS: '--no-such-option' },
    { NODE_OPTIONS: `--require ${evil}` },
    { NODE_OPTIONS: '--max-old-space-size=1' },
    { NODE_PATH: dir, NODE_DEBUG: 'fs,module', NODE_REDIRECT_WARNINGS: join(dir, 'w'), UV_THREADPOOL_SIZE: 'x' },
    { BASH_ENV: evil, SHELLOPTS: 'xtrace' },
  ]) {
    const r = await run(BIN, { PATH, ...env });
    t.equal(r.code, 0, JSON.stringify(env));
    t.equal(r.stdout.toString(), 'atlasprd\n');
    t.equal(r.stderr, '', 'nothing on stderr');
  }
});
