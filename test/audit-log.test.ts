// Point 6 of issue 7: the audit log cannot hang, lie or be redirected.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { BIN, runBin } from './helpers/run.js';

const ISS = 'https://iss.example';

function site(log: string): string {
  const dir = scratch({ condor_mapfile: `SCITOKENS /^https:\\/\\/iss\\.example,/ alice\n` });
  return put(
    dir,
    'tokenmap.ini',
    `[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[audit]\nlog = ${log}\n`,
  );
}
const callout = (config: string, sub = 'alice') =>
  runBin(['htcondor-plugin', '--config', config], { stdin: JSON.stringify({ iss: ISS, sub }) });

const refused = (t: Test, r: Awaited<ReturnType<typeof runBin>>, re: RegExp) => {
  t.equal(r.code, 2, 'exit 2');
  t.equal(r.stdout.length, 0, 'no identity');
  t.match(r.stderr, /^tokenmap: [^\n]+\n$/, 'one line');
  t.match(r.stderr, re);
  t.ok(r.ms < 4000, `answered in ${r.ms} ms`);
};

t.test('a regular file: one whole JSON line per decision', async (t) => {
  const log = join(scratch(), 'audit.jsonl');
  const r = await callout(site(log));
  t.equal(r.code, 0);
  t.match(JSON.parse(readFileSync(log, 'utf8')), { result: 'mapped', identity: 'alice@users.htcondor.org' });
});

t.test('a symlink, a FIFO with no reader, a directory or a device is refused at once', async (t) => {
  const dir = scratch();
  const target = put(dir, 'elsewhere', '');
  symlinkSync(target, join(dir, 'link.jsonl'));
  execFileSync('mkfifo', [join(dir, 'fifo.jsonl')]);
  mkdirSync(join(dir, 'dir.jsonl'));
  for (const [name, re] of [
    ['link.jsonl', /link\.jsonl: cannot append to the audit log \(ELOOP/],
    ['fifo.jsonl', /fifo\.jsonl: cannot append to the audit log \(ENXIO/],
    ['dir.jsonl', /dir\.jsonl: cannot append to the audit log \(EISDIR/],
  ] as const)
    refused(t, await callout(site(join(dir, name))), re);
  refused(t, await callout(site('/dev/null')), /cannot append to the audit log \(ENOTREG/);
  t.equal(readFileSync(target, 'utf8'), '', 'nothing written through the link');
});

t.test('a short write (file size limit, as on a full disk) fails the callout', async (t) => {
  const log = join(scratch(), 'audit.jsonl');
  writeFileSync(log, 'x'.repeat(1000) + '\n');
  // SIGXFSZ ignored (as an ignored signal stays across exec): the write past 1024 bytes comes back short.
  const r = await runBin(
    [
      '--norc',
      '-c',
      'trap "" XFSZ; ulimit -f 1; exec env -u NODE_OPTIONS "$0" htcondor-plugin --config "$1"',
      BIN,
      site(log),
    ],
    { via: '/bin/bash', stdin: JSON.stringify({ iss: ISS, sub: 'alice' }) },
  );
  // The identity was written before its line: the exit status is what both CEs go by.
  t.equal(r.code, 2, 'exit 2');
  t.match(
    r.stderr,
    /^tokenmap: \S+audit\.jsonl: cannot append to the audit log \(EIO: short write \(\d+ of \d+ bytes\)\)\n$/,
  );
});

t.test('a huge subject is capped in the line, which stays valid JSON', async (t) => {
  const log = join(scratch(), 'audit.jsonl');
  const sub = 'a'.repeat(60000) + '\u001b[31m"\\';
  await callout(site(log), sub);
  const text = readFileSync(log, 'utf8');
  t.ok(text.length < 8192, `line of ${text.length} bytes`);
  const line = JSON.parse(text);
  t.match(line.sub, /^a{512}\.\.\.\[\d+ more characters cut\]$/);
});
