// @include (shared/spec/htcondor-mapfile.md §6), through the real binary.
import t from 'tap';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runBin } from './helpers/run.js';
import { put, scratch } from './helpers/files.js';

const lookupIn = (dir: string, principal: string, extra: string[] = []) =>
  runBin(['lookup', '--mapfile', join(dir, 'condor_mapfile'), ...extra, principal]);

t.test('a directory is read in byte order: 10-x before 9-y, Z before a', async (t) => {
  const dir = scratch({
    condor_mapfile: '@include mapfiles.d\n',
    'mapfiles.d/9-y': 'SCITOKENS /^p$/ nine\n',
    'mapfiles.d/10-x': 'SCITOKENS /^p$/ ten\n',
    'mapfiles.d/a': 'SCITOKENS /^q$/ lower\n',
    'mapfiles.d/Z': 'SCITOKENS /^q$/ upper\n',
  });
  t.equal((await lookupIn(dir, 'p')).stdout.toString(), 'ten\n');
  t.equal((await lookupIn(dir, 'q')).stdout.toString(), 'upper\n');
});

t.test('excluded names are skipped; backups and any suffix are read; sub-directories are skipped', async (t) => {
  const names = [
    '.hidden',
    'x.pl',
    'x.py',
    'x.sh',
    'x~',
    '#x',
    'x.rpmsave',
    'x.rpmnew',
    'x.dpkg-old',
    'x.dpkg-dist',
    'x.cfsaved',
  ];
  const files: Record<string, string> = {
    condor_mapfile: '@include d/\n',
    'd/zz.bak': 'SCITOKENS /^bak$/ bak\n',
    'd/sub/00': 'SCITOKENS /^sub$/ sub\n',
  };
  for (const n of names) files[`d/${n}`] = `SCITOKENS /^p$/ excluded\n`;
  files['d/~fine'] = 'SCITOKENS /^p$/ fine\n';
  const dir = scratch(files);
  t.equal((await lookupIn(dir, 'p')).stdout.toString(), 'fine\n', 'only the non-excluded file maps p');
  t.equal((await lookupIn(dir, 'bak')).stdout.toString(), 'bak\n', '*.bak is read');
  t.equal((await lookupIn(dir, 'sub')).code, 1, 'no recursion into sub-directories');
});

t.test('--exclude-regexp replaces the default exclusion', async (t) => {
  const dir = scratch({
    condor_mapfile: '@include d\n',
    'd/a.conf': 'SCITOKENS /^p$/ conf\n',
    'd/0.skip': 'SCITOKENS /^p$/ skip\n',
  });
  const r = await lookupIn(dir, 'p', ['--exclude-regexp', '\\.skip$']);
  t.equal(r.stdout.toString(), 'conf\n');
});

t.test('entries are inserted where the @include line stands', async (t) => {
  const dir = scratch({
    condor_mapfile: 'SCITOKENS /^a$/ before\n@include inc\nSCITOKENS /^b$/ after\nSCITOKENS /^c$/ after\n',
    inc: 'SCITOKENS /^b$/ included\nSCITOKENS /^a$/ included\n',
  });
  t.equal((await lookupIn(dir, 'a')).stdout.toString(), 'before\n');
  t.equal((await lookupIn(dir, 'b')).stdout.toString(), 'included\n');
  t.equal((await lookupIn(dir, 'c')).stdout.toString(), 'after\n');
});

t.test('includes do not nest: the inner @include is skipped with a warning', async (t) => {
  const dir = scratch({
    condor_mapfile: '@include one\n',
    one: '@include two\nSCITOKENS /^a$/ one\n',
    two: 'SCITOKENS /^a$/ two\n',
  });
  const r = await lookupIn(dir, 'a');
  t.equal(r.stdout.toString(), 'one\n');
  t.match(r.stderr, /one:1: warning: @include directive not allowed/);
});

t.test('a missing include is a warning and the rest of the file still loads', async (t) => {
  const dir = scratch({ condor_mapfile: '@include missing.conf\nSCITOKENS /^a$/ rest\n' });
  const r = await lookupIn(dir, 'a');
  t.equal(r.code, 0);
  t.equal(r.stdout.toString(), 'rest\n');
  t.match(r.stderr, /condor_mapfile:1: warning: Could not open canonicalization file ".*missing.conf" \(ENOENT/);
});

t.test('relative paths: against the including file directory, else the working directory', async (t) => {
  const dir = scratch({
    'etc/condor_mapfile': '@include "rel inc"\n',
    'etc/rel inc': 'SCITOKENS /^a$/ rel\n',
    'rel inc': 'SCITOKENS /^a$/ cwd\n',
  });
  t.equal(
    (await runBin(['lookup', '--mapfile', join(dir, 'etc/condor_mapfile'), 'a'])).stdout.toString(),
    'rel\n',
    'quoted path with a space, relative to the file',
  );
  put(dir, 'top', '@include "rel inc"\n');
  t.equal(
    (await runBin(['lookup', '--mapfile', 'top', 'a'], { cwd: dir })).stdout.toString(),
    'cwd\n',
    'no directory part: the working directory',
  );
});

t.test('included files use the top file mode', async (t) => {
  const dir = scratch({ condor_mapfile: '@include inc\n', inc: 'SCITOKENS /^a$/ slash\nSCITOKENS a lit\n' });
  t.equal((await lookupIn(dir, 'a')).stdout.toString(), 'slash\n', 'hash keys: /.../ is a regex');
  t.equal(
    (await lookupIn(dir, 'a', ['--regex-keys'])).stdout.toString(),
    'lit\n',
    'regex keys: /^a$/ never matches, a is a regex',
  );
});

t.test('a symlink to a directory inside an included directory is skipped like a directory', async (t) => {
  const dir = scratch({
    condor_mapfile: '@include d\n',
    'real/x': 'SCITOKENS /^a$/ linked\n',
    'd/y': 'SCITOKENS /^b$/ y\n',
  });
  symlinkSync(join(dir, 'real'), join(dir, 'd/link'));
  t.equal((await lookupIn(dir, 'a')).code, 1);
  t.equal((await lookupIn(dir, 'b')).stdout.toString(), 'y\n');
});

t.test('an empty included directory and an empty @include path', async (t) => {
  const dir = scratch({ condor_mapfile: '@include empty\n@include ""\nSCITOKENS /^a$/ ok\n' });
  mkdirSync(join(dir, 'empty'));
  const r = await lookupIn(dir, 'a');
  t.equal(r.stdout.toString(), 'ok\n');
  t.match(r.stderr, /condor_mapfile:2: warning: @include without a path/);
});
