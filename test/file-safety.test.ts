// Points 4 and 5 of issue 7: only regular files are read, each capped, within the deadline; an @include
// that cannot be read fails every deciding command (lookup alone warns and skips, as HTCondor does).
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arc7Env } from './helpers/ce-env.js';
import { put, scratch } from './helpers/files.js';
import { BIN, runBin } from './helpers/run.js';

const ISS = 'https://iss.example';
const PAYLOAD = { iss: ISS, sub: 'alice' };
const plugin = (args: string[]) => runBin(['htcondor-plugin', ...args], { stdin: JSON.stringify(PAYLOAD) });
const arc = (args: string[]) => runBin(['arc-plugin', ...args], { stdin: 'open', env: arc7Env(PAYLOAD) });
const fifo = (dir: string, name = 'fifo') => {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
};
/** A 200 MB file that takes no disk space. */
const huge = (dir: string) => {
  const p = put(dir, 'huge', '');
  truncateSync(p, 200 * 1024 * 1024);
  return p;
};

const failsFast = (t: Test, r: Awaited<ReturnType<typeof runBin>>, re: RegExp) => {
  t.equal(r.code, 2, 'exit 2');
  t.equal(r.stdout.length, 0, 'nothing on stdout');
  t.match(r.stderr, /^tokenmap: [^\n]+\n$/, 'one stderr line');
  t.match(r.stderr, re);
  t.ok(r.ms < 4000, `answered in ${r.ms} ms, within the deadline`);
};

t.test('a map file that is not a regular file, or too big, is exit 2 at once', async (t) => {
  const dir = scratch();
  for (const [path, re] of [
    ['/dev/zero', /\/dev\/zero: cannot open map file \(ENOTREG: a character device is not a regular file\)/],
    [fifo(dir), /fifo: cannot open map file \(ENOTREG: a FIFO is not a regular file\)/],
    [huge(dir), /huge: cannot open map file \(EFBIG: 209715200 bytes is over the cap of 16777216 bytes\)/],
    [dir, /cannot open map file \(EISDIR/],
  ] as const) {
    failsFast(t, await plugin(['--mapfile', path, '--deadline', '2']), re);
    failsFast(t, await arc(['--mapfile', path]), re);
    const lookup = await runBin(['lookup', '--mapfile', path, `${ISS},alice`]);
    t.equal(lookup.code, 2, `lookup ${path}: exit 2`);
  }
});

t.test('a policy file or configuration that is a FIFO or a device is exit 2', async (t) => {
  const dir = scratch();
  const f = fifo(dir);
  failsFast(t, await plugin(['-c', f]), /cannot read policy file \(ENOTREG: a FIFO/);
  failsFast(t, await plugin(['-c', '/dev/zero']), /cannot read policy file \(ENOTREG: a character device/);
  failsFast(t, await plugin(['--config', f]), /cannot read configuration \(ENOTREG: a FIFO/);
  failsFast(t, await plugin(['--config', huge(dir)]), /cannot read configuration \(EFBIG/);
});

t.test('[limits] file_max caps the rule files a configuration reads', async (t) => {
  const dir = scratch({ condor_mapfile: `SCITOKENS ${ISS},alice alice\n`.repeat(10) });
  const config = put(dir, 'tokenmap.ini', '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n');
  t.equal((await plugin(['--config', config])).code, 0, 'under the default cap: maps');
  writeFileSync(config, '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[limits]\nfile_max = 100\n');
  failsFast(
    t,
    await plugin(['--config', config]),
    /condor_mapfile: cannot open map file \(EFBIG: 420 bytes is over the cap of 100 bytes\)/,
  );
});

t.test('memory stays bounded whatever the map file names', { skip: !existsSync('/usr/bin/time') }, async (t) => {
  const m = await runBin(
    ['-f', 'maxrss=%M', '/usr/bin/env', '-u', 'NODE_OPTIONS', BIN, 'htcondor-plugin', '--mapfile', huge(scratch())],
    {
      via: '/usr/bin/time',
      stdin: JSON.stringify(PAYLOAD),
    },
  );
  t.equal(m.code, 2);
  const kb = Number(/maxrss=(\d+)/.exec(m.stderr)?.[1]);
  t.ok(kb > 0 && kb < 150 * 1024, `max RSS ${kb} KiB with a 200 MB map file`);
});

t.test('an @include that cannot be read fails the callouts and explain; lookup warns and skips', async (t) => {
  const dir = scratch({ 'mapfiles.d/10-ok.conf': `SCITOKENS ${ISS},alice alice\n` });
  const top = put(dir, 'condor_mapfile', '@include mapfiles.d\n');
  t.equal((await plugin(['--mapfile', top])).code, 0, 'all readable: maps');
  // A ban that cannot be read must not let the banned subject map.
  fifo(join(dir, 'mapfiles.d'), '90-ban.conf');
  symlinkSync(join(dir, 'nowhere'), join(dir, 'mapfiles.d', '95-dangling.conf'));
  for (const r of [await plugin(['--mapfile', top]), await arc(['--mapfile', top])])
    failsFast(
      t,
      r,
      /condor_mapfile:1: Could not open canonicalization file ".*90-ban\.conf" \(ENOTREG: a FIFO is not a regular file\); failing closed/,
    );
  const claims = put(dir, 'claims.json', JSON.stringify(PAYLOAD));
  const explain = await runBin(['explain', '--mapfile', top, '--claims', claims]);
  t.equal(explain.code, 2, 'explain: exit 2');
  const lookup = await runBin(['lookup', '--mapfile', top, `${ISS},alice`]);
  t.equal(lookup.code, 0, 'lookup keeps HTCondor’s answer');
  t.equal(lookup.stdout.toString(), 'alice\n');
  t.match(
    lookup.stderr,
    /condor_mapfile:1: warning: Could not open canonicalization file ".*90-ban\.conf" \(ENOTREG.*; skipped\n/,
  );
  t.match(lookup.stderr, /95-dangling\.conf" \(ENOENT/);
});

t.test('a missing @include target fails a callout; a CRLF path is reported as such', async (t) => {
  const dir = scratch({ 'ok.conf': `SCITOKENS ${ISS},alice alice\n` });
  const top = put(dir, 'condor_mapfile', '@include ok.conf\n@include 90-ban.conf\n');
  failsFast(
    t,
    await plugin(['--mapfile', top]),
    /condor_mapfile:2: Could not open canonicalization file ".*90-ban\.conf" \(ENOENT/,
  );
  const lookup = await runBin(['lookup', '--mapfile', top, `${ISS},alice`]);
  t.equal(lookup.code, 0, 'lookup: warns and skips');
  t.match(lookup.stderr, /condor_mapfile:2: warning: .*; skipped/);
  const crlf = put(dir, 'crlf_mapfile', '@include mapfiles.d/\r\n' + `SCITOKENS ${ISS},alice alice\r\n`);
  put(dir, 'mapfiles.d/90-ban.conf', `SCITOKENS ${ISS},alice alice@banned.htcondor.org\n`);
  failsFast(
    t,
    await plugin(['--mapfile', crlf]),
    /crlf_mapfile:1: .*the path ends in a carriage return: the file has CRLF line ends/,
  );
});

t.test('a FIFO opened by another process is never waited for', async (t) => {
  const dir = scratch();
  const f = fifo(dir);
  // A writer holds the FIFO open: a blocking open would succeed and the read would wait for ever.
  const fd = openSync(f, 'r+');
  failsFast(t, await plugin(['--mapfile', f]), /ENOTREG: a FIFO/);
  closeSync(fd);
});
