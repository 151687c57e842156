// `tokenmap lookup` as an admin or a script runs it: output forms, batch mode, and hostile inputs.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runBin } from './helpers/run.js';
import { put, scratch } from './helpers/files.js';

const MAP = 'SCITOKENS /^https:\\/\\/iss\\.example\\/,(.*)$/ \\1\nSCITOKENS "https://lit.example,bob" bob_lit\n';
const mapFile = () => put(scratch(), 'condor_mapfile', MAP);

t.test('several principals: JSON lines in order, exit 1 when any did not match', async (t) => {
  const file = mapFile();
  const r = await runBin(['lookup', '--mapfile', file, 'https://iss.example/,alice', 'nobody']);
  t.equal(r.code, 1);
  t.equal(
    r.stdout.toString(),
    `{"principal": "https://iss.example/,alice", "matched": true, "canonical": "alice", "source": "${file}:1"}\n` +
      '{"principal": "nobody", "matched": false}\n',
  );
});

t.test('--json with one principal that matches: exit 0', async (t) => {
  const file = mapFile();
  const r = await runBin(['lookup', '--mapfile', file, '--json', 'https://lit.example,bob']);
  t.equal(r.code, 0);
  t.same(JSON.parse(r.stdout.toString()), {
    principal: 'https://lit.example,bob',
    matched: true,
    canonical: 'bob_lit',
    source: `${file}:2`,
  });
});

t.test('batch from stdin: LF-terminated byte lines, JSON answers, invalid UTF-8 shown as U+FFFD', async (t) => {
  const file = mapFile();
  const stdin = Buffer.concat([
    Buffer.from('https://iss.example/,alice\nnobody\nhttps://iss.example/,'),
    Buffer.from([0xff, 0x61]),
    Buffer.from('\nhttps://lit.example,bob'),
  ]);
  const r = await runBin(['lookup', '--mapfile', file, '-'], { stdin });
  t.equal(r.code, 1);
  const lines = r.stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.length, 4, 'the last line needs no LF');
  t.same(
    lines.map((l) => l.matched),
    [true, false, true, true],
  );
  t.equal(lines[2].canonical, '\ufffda');
});

t.test('text mode writes the exact bytes of the canonical name', async (t) => {
  const file = put(
    scratch(),
    'm',
    Buffer.concat([Buffer.from('SCITOKENS /^a$/ '), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]),
  );
  const r = await runBin(['lookup', '--mapfile', file, 'a']);
  t.same([...r.stdout], [0xe9, 0xff, 0x0a]);
});

t.test('catastrophic backtracking is cut at the time bound: exit 2 naming the entry', async (t) => {
  const file = put(scratch(), 'm', 'SCITOKENS /^ok$/ ok\nSCITOKENS /^(a+)+$/ slow\n');
  const r = await runBin(['lookup', '--mapfile', file, '--timeout', '0.3', 'a'.repeat(40) + 'b']);
  t.equal(r.code, 2);
  t.match(r.stderr, new RegExp(`^tokenmap: ${file}:2: regex evaluation exceeded the time limit of 300 ms\\n$`));
  t.ok(r.ms < 5000, `stopped promptly (${r.ms} ms)`);
});

t.test('unreadable map file: exit 2 with one line naming it', async (t) => {
  const dir = scratch();
  for (const path of [join(dir, 'missing'), dir]) {
    const r = await runBin(['lookup', '--mapfile', path, 'x']);
    t.equal(r.code, 2);
    t.match(r.stderr, new RegExp(`^tokenmap: ${path}: cannot open map file \\((ENOENT|EISDIR)[^\\n]*\\)\\n$`));
  }
});

t.test('usage errors are exit 2, never a stack trace', async (t) => {
  for (const args of [
    [],
    ['lookup', 'x'],
    ['lookup', '--mapfile'],
    ['nosuchcommand'],
    ['lookup', '--mapfile', 'm', '--hash-keys', '--regex-keys', 'x'],
    ['lookup', '--mapfile', 'm', '--timeout', 'soon', 'x'],
    ['lookup', '--mapfile', 'm', 'a', '-'],
  ]) {
    const r = await runBin(args);
    t.equal(r.code, 2, args.join(' '));
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

t.test('--help and --version exit 0', async (t) => {
  const help = await runBin(['lookup', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout.toString(), /--regex-keys/);
  t.equal((await runBin(['--version'])).code, 0);
});

t.test('hostile map files: binary junk, a 1 MB line, NUL bytes: exit 0, 1 or 2 only, no stack trace', async (t) => {
  const dir = scratch();
  const files = {
    junk: randomBytes(200_000),
    longline: Buffer.from('SCITOKENS /^' + 'a'.repeat(1024 * 1024) + '$/ long\nSCITOKENS /^b$/ b\n'),
    longname: Buffer.from('SCITOKENS /^b$/ ' + 'n'.repeat(1024 * 1024) + '\n'),
    nul: Buffer.from('SCITOKENS /^b\0$/ nul\nSCITOKENS /^b$/ b\n'),
    manyfields: Buffer.from('SCITOKENS /^b$/ b' + ' x'.repeat(100000) + '\n'),
    deepgroups: Buffer.from('SCITOKENS /^' + '('.repeat(5000) + 'b' + ')'.repeat(5000) + '$/ deep\n'),
  };
  for (const [name, content] of Object.entries(files)) {
    const r = await runBin(['lookup', '--mapfile', put(dir, name, content), 'b']);
    t.ok(r.code === 0 || r.code === 1 || r.code === 2, `${name}: exit ${r.code}`);
    t.notMatch(r.stderr, /\n\s+at /, `${name}: no stack trace`);
    if (name === 'longname') t.equal(r.stdout.length, 1024 * 1024 + 1, 'a 1 MB canonical name is written whole');
    if (name === 'manyfields') t.equal(r.stdout.toString(), 'b\n');
  }
  // A 1 MB principal cannot travel in argv (Linux caps one argument at 128 KiB): it comes on stdin.
  const long = await runBin(['lookup', '--mapfile', join(dir, 'longline'), '-'], {
    stdin: 'a'.repeat(1024 * 1024) + '\n',
  });
  // V8 cannot compile a 1 MB regex: exit 2 naming the line, with a short message.
  t.equal(long.code, 2, 'a 1 MB regex is refused when reached');
  t.match(long.stderr, /longline:1: regex cannot be evaluated here \(.{0,200}\.\.\. \(\d+ characters\)\)\n$/);
  const nul = await runBin(['lookup', '--mapfile', join(dir, 'nul'), 'b']);
  t.equal(nul.code, 2, 'an entry holding a NUL byte is refused when reached');
  t.match(nul.stderr, /nul:1: NUL byte in map entry/);
});

t.test('10,000 includes load and answer', async (t) => {
  const dir = scratch();
  let top = '';
  for (let i = 0; i < 10000; i++) {
    put(dir, `d/f${i}`, `SCITOKENS /^p${i}$/ u${i}\n`);
    top += `@include d/f${i}\n`;
  }
  put(dir, 'condor_mapfile', top);
  const r = await runBin(['lookup', '--mapfile', join(dir, 'condor_mapfile'), 'p9999', 'p0']);
  t.equal(r.code, 0);
  t.match(r.stdout.toString(), /"canonical": "u9999"[^\n]*\n[^\n]*"canonical": "u0"/);
});
