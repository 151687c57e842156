// `tokenmap snippet`: the lines printed must wire this installation in exactly (they are pasted as is).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { BIN, ROOT, runBin } from './helpers/run.js';

const CONFIG = join(ROOT, 'mapfiles/tokenmap.ini');

t.test('htcondor-ce: map lines that hand the policy issuers over, and the plugin knobs', async (t) => {
  const r = await runBin(['snippet', 'htcondor-ce', '--config', CONFIG]);
  t.equal(r.code, 0);
  const out = r.stdout.toString();
  t.match(out, /^SEC_SCITOKENS_PLUGIN_NAMES = TOKENMAP$/m);
  t.match(
    out,
    new RegExp(
      `^SEC_SCITOKENS_PLUGIN_TOKENMAP_COMMAND = \\S+/bin/tokenmap htcondor-plugin --config ${CONFIG.replace(/[.]/g, '\\.')}$`,
      'm',
    ),
  );
  t.match(out, /^SEC_SCITOKENS_FOREIGN_TOKEN_ISSUERS = https:\/\/aai\.egi\.eu\/auth\/realms\/egi$/m);
  t.match(out, /^SEC_SCITOKENS_ALLOW_FOREIGN_TOKEN_TYPES = True$/m);
  // The printed map lines, used as a map file, send those issuers to the plugin and nothing else.
  const mapLines =
    out
      .split('\n')
      .filter((l) => l.startsWith('SCITOKENS '))
      .join('\n') + '\n';
  const mapfile = put(scratch(), 'mapfile', mapLines);
  const lookup = await runBin([
    'lookup',
    '--mapfile',
    mapfile,
    'https://aai.egi.eu/auth/realms/egi,x@egi.eu',
    'https://cilogon.org/fermilab,p',
    'https://aai.egi.eu/auth/realms/egiX,x',
  ]);
  t.same(
    lookup.stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).canonical ?? null),
    ['PLUGIN:TOKENMAP', 'PLUGIN:TOKENMAP', null],
  );
});

t.test(
  'arc: one tokenmap call per request, with a TIMEOUT 2 s above the deadline and the subject argument',
  async (t) => {
    const dir = scratch();
    const config = put(
      dir,
      'tokenmap.ini',
      readFileSync(CONFIG, 'utf8')
        .replace('deadline = 5', 'deadline = 8')
        .replace('source[] = mapfile:condor_mapfile', `source[] = mapfile:${ROOT}mapfiles/condor_mapfile`)
        .replace('policy[] = policies.d/', `policy[] = ${ROOT}mapfiles/policies.d/`),
    );
    const r = await runBin(['snippet', 'arc', '--config', config]);
    t.equal(r.code, 0);
    const out = r.stdout.toString();
    const settings = out.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    // The authgroup runs nothing (A-REX validated the token); the mapping is the one tokenmap call.
    t.same(settings, [
      '[authtokens]',
      '[authgroup:tokenmap]',
      'authtokens = * * * * *',
      '[mapping]',
      `map_with_plugin = tokenmap 10 ${BIN} arc-plugin --config ${config} %D`,
      'policy_on_nomap = stop',
      '[arex/ws/jobs]',
      'allowaccess = tokenmap',
    ]);
    t.equal(out.match(/tokenmap arc-plugin/g)?.length, 1, 'tokenmap is named once: one call per request');
    t.match(out, /^# .*one tokenmap call per request/im, 'the snippet says why');
    t.notMatch(settings.join('\n'), /\t|"/, 'no TAB or quote, which ARC would pass on literally');
  },
);

t.test('a configuration path with a space cannot be wired into ARC or HTCondor: exit 2', async (t) => {
  const dir = scratch();
  const config = put(dir, 'my config.ini', '[rules]\nsource[] = policy:p.ini\n');
  put(dir, 'p.ini', '[mappings]\nalice = * https://iss.example * * urn:x\n');
  const r = await runBin(['snippet', 'arc', '--config', config]);
  t.equal(r.code, 2);
  t.match(r.stderr, /holds whitespace or quotes/);
});

t.test('an unknown flavour is a usage error', async (t) => {
  t.equal((await runBin(['snippet', 'slurm', '--config', CONFIG])).code, 2);
});

t.test(
  'with a [serve] section: the fast wiring through tokenmap-callout, and timeouts that cover its bound',
  async (t) => {
    const dir = scratch();
    const config = put(
      dir,
      'tokenmap.ini',
      readFileSync(CONFIG, 'utf8')
        .replace('source[] = mapfile:condor_mapfile', `source[] = mapfile:${ROOT}mapfiles/condor_mapfile`)
        .replace('policy[] = policies.d/', `policy[] = ${ROOT}mapfiles/policies.d/`) +
        '\n[serve]\nsocket = /run/tokenmap/site.sock\n',
    );
    const callout = `${ROOT}bin/tokenmap-callout --socket /run/tokenmap/site.sock`.replace(/[./]/g, '\\$&');
    const condor = (await runBin(['snippet', 'htcondor-ce', '--config', config])).stdout.toString();
    t.match(
      condor,
      new RegExp(`^SEC_SCITOKENS_PLUGIN_TOKENMAP_COMMAND = ${callout} htcondor-plugin --config \\S+$`, 'm'),
    );
    t.match(condor, /^SEC_DEFAULT_AUTHENTICATION_TIMEOUT = 20$/m);
    const arc = (await runBin(['snippet', 'arc', '--config', config])).stdout.toString();
    t.match(arc, new RegExp(`^map_with_plugin = tokenmap 9 ${callout} arc-plugin --config \\S+ %D$`, 'm'));
    // The printed command works as printed: with no service on that socket, the client's fallback answers.
    const words = /^map_with_plugin = tokenmap 9 (.*) %D$/m.exec(arc)?.[1]?.split(' ') ?? [];
    const payload = JSON.parse(readFileSync(join(ROOT, 'mapfiles/tokens/cms-pilot.json'), 'utf8'));
    const subject = `${payload.iss}/${payload.sub}`;
    const r = await runBin([...words.slice(1), subject], { via: words[0], stdin: 'open' });
    const cold = await runBin(['arc-plugin', '--config', config, subject], { stdin: 'open' });
    t.equal(r.code, cold.code, "the cold path's exit");
    t.equal(r.stdout.toString(), cold.stdout.toString(), "the cold path's answer");
    t.equal(r.stderr, cold.stderr, 'no socket there: a silent fallback');
  },
);
