// The service reads and watches the rule files a cold callout reads: a file dropped into an @include'd
// directory of a running service takes effect within 2 s (no restart, no SIGHUP), and `[limits]
// file_max` caps what the service reads exactly as it caps the cold path.
import t from 'tap';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSiteConfig } from '../src/config/config.js';
import { buildRuleSet } from '../src/engine/rule-set.js';
import { nodeReader } from '../src/io/node-reader.js';
import { put, scratch } from './helpers/files.js';
import { ROOT, runBin } from './helpers/run.js';
import { eventually, runCallout, startService, status } from './helpers/service.js';

const ATLAS = JSON.parse(readFileSync(join(ROOT, 'mapfiles/tokens/atlas-production.json'), 'utf8')) as {
  iss: string;
  sub: string;
};
const esc = (s: string) => s.replace(/[.\\/]/g, '\\$&');
const line = (user: string) => `SCITOKENS /^${esc(ATLAS.iss)},${esc(ATLAS.sub)}$/ ${user}\n`;

/** A site whose map file includes the (empty) directory mapfile.d. */
function site(extraConfig = '') {
  const dir = scratch();
  const inc = join(dir, 'mapfile.d');
  mkdirSync(inc);
  put(dir, 'condor_mapfile', `@include mapfile.d\nSCITOKENS /^${esc(ATLAS.iss)},/ fallback\n`);
  const config = put(
    dir,
    'tokenmap.ini',
    `[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n${extraConfig}`,
  );
  return { dir, inc, config };
}

const argv = (config: string) => ['htcondor-plugin', '--config', config];
const stdin = JSON.stringify(ATLAS);

t.test('RuleSet.files lists the @include directory next to the files read', async (t) => {
  const s = site();
  writeFileSync(join(s.inc, '10-alice'), line('alice'));
  const rules = buildRuleSet({ config: loadSiteConfig(s.config, nodeReader) }, nodeReader);
  t.same([...rules.files].sort(), [s.config, join(s.dir, 'condor_mapfile'), s.inc, join(s.inc, '10-alice')].sort());
});

t.test('a new file in an @include directory of a running service is in effect within 2 s', async (t) => {
  const s = site();
  const svc = await startService(['--config', s.config]);
  t.teardown(() => svc.stop());
  const ask = async () => (await runCallout(svc.socket, argv(s.config), { stdin })).stdout.toString();
  t.equal(await ask(), 'fallback\n', 'the empty directory adds nothing');
  t.ok(((await status(svc.socket)).files as string[]).includes(s.inc), 'the directory is watched');
  writeFileSync(join(s.inc, '10-alice'), line('alice'));
  const ms = await eventually(async () => (await ask()) === 'alice\n', 2000);
  t.comment(`a new file in effect after ${ms} ms (includes the callouts' own time)`);
  unlinkSync(join(s.inc, '10-alice'));
  await eventually(async () => (await ask()) === 'fallback\n', 2000);
  t.pass('a removed file is out of effect within 2 s');
});

t.test('[limits] file_max caps what the service reads, as it caps the cold path', async (t) => {
  const s = site('[limits]\nfile_max = 200\n');
  const big = join(s.inc, '10-alice');
  writeFileSync(big, '# padding\n'.repeat(30) + line('alice'));
  const cold = await runBin(argv(s.config), { stdin });
  t.equal(cold.code, 2, 'the cold path refuses the oversized included file');
  t.match(cold.stderr.toString(), '10-alice');
  await t.rejects(
    startService(['--config', s.config]),
    /exited 2: .*10-alice/,
    'so does the service, before listening',
  );
  writeFileSync(big, line('alice'));
  const svc = await startService(['--config', s.config]);
  t.teardown(() => svc.stop());
  t.equal((await runCallout(svc.socket, argv(s.config), { stdin })).stdout.toString(), 'alice\n');
  writeFileSync(big, '# padding\n'.repeat(30) + line('bob'));
  await eventually(async () => (await status(svc.socket)).lastReloadError !== null, 2000);
  t.match((await status(svc.socket)).lastReloadError, '10-alice', 'a reload past the cap fails, naming the file');
  t.equal((await runCallout(svc.socket, argv(s.config), { stdin })).stdout.toString(), 'alice\n', 'last good rules');
});
