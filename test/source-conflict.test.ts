// `--config` next to `-c`/`--mapfile` is a usage error in every command that evaluates rules: the flags would
// replace the configuration, and with it its audit log, ban lists and [audience] gate. Only the default
// configuration ($TOKENMAP_CONFIG, /etc/tokenmap/tokenmap.ini) gives way to the flags, as cli.md says.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { htcondorEnv } from './helpers/ce-env.js';
import { scratch } from './helpers/files.js';
import { ROOT, runBin } from './helpers/run.js';

const CONFIG = join(ROOT, 'mapfiles/tokenmap.ini');
const POLICY = join(ROOT, 'mapfiles/policies.d');
const MAPFILE = join(ROOT, 'mapfiles/condor_mapfile');
const FIXTURE = join(ROOT, 'mapfiles/fixtures/tokenmap.json');
const ATLAS = JSON.parse(readFileSync(join(ROOT, 'mapfiles/tokens/atlas-production.json'), 'utf8'));
const SUBJECT = `${ATLAS.iss}/${ATLAS.sub}`;

const commands: [string, string[], string | undefined][] = [
  ['htcondor-plugin', [], JSON.stringify(ATLAS)],
  ['arc-plugin', [SUBJECT], undefined],
  ['explain', ['--claims', join(ROOT, 'mapfiles/tokens/atlas-production.json')], undefined],
  ['test', [FIXTURE], undefined],
  ['serve', ['--socket', join(scratch(), 's.sock')], undefined],
];

t.test('--config with -c or --mapfile: exit 2, one stderr line naming both, nothing on stdout', async (t) => {
  for (const [cmd, rest, stdin] of commands)
    for (const [flag, path, named] of [
      ['-c', POLICY, '-c/--policy'],
      ['--policy', POLICY, '-c/--policy'],
      ['--mapfile', MAPFILE, '--mapfile'],
    ] as const) {
      // Both orders, and the fast argv path of the callouts as well as commander's (--policy=...).
      for (const args of [
        ['--config', CONFIG, flag, path, ...rest],
        [`${flag === '-c' ? '--policy' : flag}=${path}`, `--config=${CONFIG}`, ...rest],
      ]) {
        const r = await runBin([cmd, ...args], { stdin, killAfterMs: 10000 });
        const what = `${cmd} ${args.slice(0, 4).join(' ')}`;
        t.equal(r.code, 2, `${what}: exit 2`);
        t.equal(r.stdout.length, 0, `${what}: nothing on stdout`);
        const lines = r.stderr.split('\n').filter(Boolean);
        t.equal(lines.length, 1, `${what}: one stderr line`);
        t.match(
          lines[0],
          new RegExp(`--config and ${named === '--mapfile' ? '--mapfile' : '-c/--policy'} given together`),
        );
      }
    }
});

t.test('the default configuration ($TOKENMAP_CONFIG) gives way to the flags, as before', async (t) => {
  const r = await runBin(['htcondor-plugin', '-c', join(ROOT, 'mapfiles/policies.d')], {
    stdin: JSON.stringify(ATLAS),
    env: { TOKENMAP_CONFIG: CONFIG, ...htcondorEnv({}) },
  });
  t.not(r.code, 2, `flags alone decide (${r.stderr.trim()})`);
  t.notMatch(r.stderr, /given together/);
});
