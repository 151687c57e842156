// Point 8 of issue 7: stdout is the identity or nothing. A reader that went away (EPIPE) or a full
// device (ENOSPC) is exit 2, audited as an error; help never reaches a CE's stdout.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { BIN, ROOT, runBin } from './helpers/run.js';

const ISS = 'https://iss.example';
const PAYLOAD = JSON.stringify({ iss: ISS, sub: 'alice' });

function site(): { config: string; log: string } {
  const dir = scratch({ condor_mapfile: `SCITOKENS /^https:\\/\\/iss\\.example,/ alice\n` });
  const log = join(dir, 'audit.jsonl');
  const config = put(
    dir,
    'tokenmap.ini',
    `[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[audit]\nlog = ${log}\n`,
  );
  return { config, log };
}

/** Spawns with a stdout pipe whose reading end is closed before the child writes. */
function closedReader(args: string[], stdin: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', BIN, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      cwd: ROOT,
    });
    child.stdout.destroy();
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    child.on('close', (code) => resolve({ code, stderr: Buffer.concat(err).toString() }));
  });
}

t.test('EPIPE: the identity nobody received is exit 2 and audited as an error', async (t) => {
  const { config, log } = site();
  const r = await closedReader(['htcondor-plugin', '--config', config], PAYLOAD);
  t.equal(r.code, 2);
  t.match(r.stderr, /^tokenmap: cannot write to stdout \(EPIPE[^\n]*\); nothing was delivered\n$/);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  t.equal(lines.length, 1, 'one line');
  t.match(JSON.parse(lines[0] as string), { result: 'error', code: 'OUTPUT_FAILED' });
  t.notMatch(lines[0], /"mapped"/, 'never audited as mapped');
});

t.test('EPIPE in explain and lookup: exit 2, one line, no stack trace', async (t) => {
  const claims = put(scratch(), 'claims.json', PAYLOAD);
  const { config } = site();
  for (const args of [
    ['explain', '--config', config, '--claims', claims],
    ['lookup', '--mapfile', join(ROOT, 'mapfiles/condor_mapfile'), `${ISS},alice`, `${ISS},bob`],
    ['--help'],
  ]) {
    const r = await closedReader(args, '');
    t.equal(r.code, 2, args[0] as string);
    t.match(r.stderr, /^tokenmap: cannot write to stdout \(EPIPE/);
    t.notMatch(r.stderr, /\bat \S+:\d+/, 'no stack trace');
  }
});

t.test(
  'a closed stdout is exit 2 with one line, before anything is decided (Node would write to /dev/null)',
  async (t) => {
    const { config } = site();
    const claims = put(scratch(), 'claims.json', PAYLOAD);
    for (const args of [
      ['htcondor-plugin', '--config', config],
      ['explain', '--config', config, '--claims', claims],
      ['--help'],
    ]) {
      const r = await runBin(['--norc', '-c', 'exec env -u NODE_OPTIONS "$@" >&-', '-', BIN, ...args], {
        via: '/bin/bash',
        stdin: PAYLOAD,
      });
      t.equal(
        `${r.code} ${r.stderr}`,
        '2 tokenmap: cannot write to stdout (it is closed); nothing was delivered\n',
        args[0] as string,
      );
    }
  },
);

t.test(
  'without /proc, the launcher still runs (its stdout check needs none)',
  { skip: existsSync('/usr/bin/unshare') ? false : 'no unshare' },
  async (t) => {
    const r = await runBin(
      ['-m', '/bin/bash', '--norc', '-c', 'mount -t tmpfs none /proc && exec "$@"', '-', BIN, '--version'],
      {
        via: '/usr/bin/unshare',
      },
    );
    t.equal(`${r.code} ${r.stdout}${r.stderr}`, '0 0.1.0\n');
  },
);

t.test('ENOSPC on stdout (/dev/full) is exit 2 naming it, not an internal error', async (t) => {
  const { config } = site();
  const fd = openSync('/dev/full', 'w');
  const r = await runBin(
    ['-c', 'exec env -u NODE_OPTIONS "$0" htcondor-plugin --config "$1" >/dev/full', BIN, config],
    {
      via: '/bin/sh',
      stdin: PAYLOAD,
    },
  );
  closeSync(fd);
  t.equal(r.code, 2);
  t.match(r.stderr, /^tokenmap: cannot write to stdout \(ENOSPC: no space left on device\); nothing was delivered\n$/);
});

t.test('--help of a callout never reaches stdout when stdout is not a terminal', async (t) => {
  for (const cmd of ['htcondor-plugin', 'arc-plugin']) {
    const r = await runBin([cmd, '--help'], { stdin: 'open' });
    t.equal(r.code, 2, `${cmd}: exit 2`);
    t.equal(r.stdout.length, 0, `${cmd}: nothing on stdout`);
    t.match(r.stderr, /Usage: tokenmap/, 'the help is on stderr');
    t.match(r.stderr, new RegExp(`tokenmap: ${cmd}: help is shown on stderr, since stdout is not a terminal`));
  }
  const other = await runBin(['lookup', '--help']);
  t.equal(other.code, 0, 'other commands print help on stdout as usual');
  t.match(other.stdout.toString(), /Usage: tokenmap lookup/);
});
