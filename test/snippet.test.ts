// `tokenmap snippet`: the lines printed must wire this installation in exactly (they are pasted as is).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { BIN, ROOT, runBin } from './helpers/run.js';

const CONFIG = join(ROOT, 'mapfiles/tokenmap.ini');

/** The shipped configuration written to a scratch directory (its rule paths made absolute), edited. */
const movedConfig = (edit: (text: string) => string = (x) => x) =>
  put(
    scratch(),
    'tokenmap.ini',
    edit(
      readFileSync(CONFIG, 'utf8')
        .replace('source[] = mapfile:condor_mapfile', `source[] = mapfile:${ROOT}mapfiles/condor_mapfile`)
        .replace('policy[] = policies.d/', `policy[] = ${ROOT}mapfiles/policies.d/`),
    ),
  );

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
    const config = movedConfig((text) => text.replace('deadline = 5', 'deadline = 8'));
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
    const config = movedConfig((text) => text + '\n[serve]\nsocket = /run/tokenmap/site.sock\n');
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

const MAPPING = '[mappings]\nalice = * https://iss.example/a * * urn:x\n';
const NATIVE = '[rule b]\nissuer = https://iss.example/b\nsubject = s\naccount = bob\n';

t.test('what snippet cannot wire: a NOT WIRED comment where the lines would go, one stderr line, exit 0', async (t) => {
  const dir = scratch();
  put(dir, 'top.ini', NATIVE);
  put(dir, 'plugged.ini', MAPPING);
  // No mapfile: source, so [plugin TOKENMAP] is dead whatever the CE's own map file says.
  const config = put(
    dir,
    'tokenmap.ini',
    '[rules]\nsource[] = policy:top.ini\n[plugin TOKENMAP]\npolicy[] = plugged.ini\n',
  );
  for (const flavour of ['htcondor-ce', 'arc']) {
    const r = await runBin(['snippet', flavour, '--config', config]);
    t.equal(r.code, 0, flavour);
    const out = r.stdout.toString();
    const why = `${config}: [plugin TOKENMAP] (1 rule(s)) is not wired: only a map file source's PLUGIN:TOKENMAP line`;
    t.match(
      out.split('\n').filter((l) => l.startsWith('# NOT WIRED: ')),
      [new RegExp(`^# NOT WIRED: ${esc(why)}`)],
    );
    t.same(
      r.stderr.split('\n').filter(Boolean),
      [
        out
          .split('\n')
          .find((l) => l.startsWith('# NOT WIRED: '))
          ?.replace('# NOT WIRED: ', 'tokenmap: warning: '),
      ],
      'the same words on stderr, one line',
    );
    if (flavour === 'htcondor-ce') {
      // The policy source is reached on every call: its issuer is handed over; the dead plugin's is not.
      t.same(
        out.split('\n').filter((l) => l.startsWith('SCITOKENS ')),
        ['SCITOKENS /^https:\\/\\/iss\\.example\\/b,/ PLUGIN:TOKENMAP'],
      );
    }
  }
});

t.test('a policy-only configuration is wired: its issuers go to PLUGIN:TOKENMAP, nothing on stderr', async (t) => {
  const dir = scratch();
  put(dir, 'p.ini', MAPPING + '\n' + NATIVE);
  const config = put(dir, 'tokenmap.ini', '[rules]\nsource[] = policy:p.ini\n');
  const r = await runBin(['snippet', 'htcondor-ce', '--config', config]);
  t.equal(r.code, 0);
  t.equal(r.stderr, '');
  const out = r.stdout.toString();
  t.notMatch(out, /NOT WIRED/);
  t.same(
    out.split('\n').filter((l) => /^S(CITOKENS|EC_SCITOKENS_PLUGIN)/.test(l)),
    [
      'SCITOKENS /^https:\\/\\/iss\\.example\\/a,/ PLUGIN:TOKENMAP',
      'SCITOKENS /^https:\\/\\/iss\\.example\\/b,/ PLUGIN:TOKENMAP',
      'SEC_SCITOKENS_PLUGIN_NAMES = TOKENMAP',
      `SEC_SCITOKENS_PLUGIN_TOKENMAP_COMMAND = ${BIN} htcondor-plugin --config ${config}`,
    ],
  );
});

t.test('every [plugin] behind a map file is wired, each with its command', async (t) => {
  const dir = scratch();
  put(dir, 'a.ini', MAPPING);
  put(dir, 'b.ini', NATIVE);
  put(
    dir,
    'map',
    'SCITOKENS /^https:\\/\\/iss\\.example\\/a,/ PLUGIN:ALPHA\nSCITOKENS /^https:\\/\\/iss\\.example\\/b,/ PLUGIN:BETA\n',
  );
  const config = put(
    dir,
    'tokenmap.ini',
    '[rules]\nsource[] = mapfile:map\n[plugin ALPHA]\npolicy[] = a.ini\n[plugin BETA]\npolicy[] = b.ini\n',
  );
  const r = await runBin(['snippet', 'htcondor-ce', '--config', config]);
  t.equal(r.code, 0);
  t.equal(r.stderr, '');
  t.same(
    r.stdout
      .toString()
      .split('\n')
      .filter((l) => /^S(CITOKENS|EC_SCITOKENS_PLUGIN)/.test(l)),
    [
      'SCITOKENS /^https:\\/\\/iss\\.example\\/a,/ PLUGIN:ALPHA',
      'SCITOKENS /^https:\\/\\/iss\\.example\\/b,/ PLUGIN:BETA',
      'SEC_SCITOKENS_PLUGIN_NAMES = ALPHA, BETA',
      `SEC_SCITOKENS_PLUGIN_ALPHA_COMMAND = ${BIN} htcondor-plugin --config ${config}`,
      `SEC_SCITOKENS_PLUGIN_BETA_COMMAND = ${BIN} htcondor-plugin --config ${config}`,
    ],
  );
});

t.test('rule sources that hold no rule: NOT WIRED with NO_RULES, on both CEs', async (t) => {
  const dir = scratch();
  put(dir, 'empty.map', '# nothing yet\n');
  const config = put(dir, 'tokenmap.ini', '[rules]\nsource[] = mapfile:empty.map\n');
  for (const flavour of ['htcondor-ce', 'arc']) {
    const r = await runBin(['snippet', flavour, '--config', config]);
    t.equal(r.code, 0, flavour);
    t.match(r.stdout.toString(), /^# NOT WIRED: .*every callout it wires would exit 2 \(NO_RULES\)$/m);
    t.match(r.stderr, /^tokenmap: warning: .*\(NO_RULES\)\n$/);
    t.equal(r.stderr.split('\n').length, 2, 'one line');
  }
});

t.test(
  'a configuration snippet cannot read or parse: exit 2, one line naming FILE:LINE, nothing printed',
  async (t) => {
    const dir = scratch();
    const cases: [string, string, RegExp][] = [
      ['missing', join(dir, 'nope.ini'), /^tokenmap: \S+nope\.ini: cannot read configuration/],
      ['not INI', put(dir, 'bad.ini', '[rules]\nsource[] = policy:p.ini\n[rules\n'), /^tokenmap: \S+bad\.ini:3: /],
      [
        'unknown key',
        put(dir, 'key.ini', '[rules]\nsource[] = policy:p.ini\nsorce = x\n'),
        /^tokenmap: \S+key\.ini:3: /,
      ],
      [
        'missing map file',
        put(dir, 'map.ini', '[rules]\nsource[] = mapfile:none\n'),
        /^tokenmap: \S+none: cannot open/,
      ],
    ];
    put(dir, 'p.ini', MAPPING);
    for (const [what, config, line] of cases)
      for (const flavour of ['htcondor-ce', 'arc']) {
        const r = await runBin(['snippet', flavour, '--config', config]);
        t.equal(r.code, 2, `${what} ${flavour}`);
        t.equal(r.stdout.length, 0, 'nothing to paste');
        t.match(r.stderr, line);
        t.equal(r.stderr.split('\n').length, 2, 'one line');
      }
  },
);

t.test('--help says what the exits are, as the README does', async (t) => {
  const help = (await runBin(['snippet', '--help'])).stdout.toString().replace(/\s+/g, ' ');
  t.match(help, /`# NOT WIRED:`/);
  t.match(help, /Exit 0 printed, 2 when the configuration or a file it names cannot be read or is invalid/);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  t.match(readme, /\| `tokenmap snippet [^\n]*\| 0 printed, 2 unreadable or invalid configuration \|/);
  t.notMatch(readme, /snippet[^\n]*always exits 0/);
});

const esc = (s: string) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

t.test('with [serve] port: the wiring takes the fast lane, and works as printed', async (t) => {
  const config = movedConfig((text) => text + '\n[serve]\nsocket = /run/tokenmap/site.sock\nport = 919\n');
  const callout = `${ROOT}bin/tokenmap-callout --socket /run/tokenmap/site.sock --port 919`.replace(/[./]/g, '\\$&');
  const condor = (await runBin(['snippet', 'htcondor-ce', '--config', config])).stdout.toString();
  t.match(
    condor,
    new RegExp(`^SEC_SCITOKENS_PLUGIN_TOKENMAP_COMMAND = ${callout} htcondor-plugin --config \\S+$`, 'm'),
  );
  t.match(
    condor,
    /^# Answered by tokenmap serve on \/run\/tokenmap\/site\.sock \(and its fast lane, 127\.0\.0\.1:919\)/m,
  );
  const arc = (await runBin(['snippet', 'arc', '--config', config])).stdout.toString();
  t.match(arc, new RegExp(`^map_with_plugin = tokenmap 9 ${callout} arc-plugin --config \\S+ %D$`, 'm'));
  const words = /^map_with_plugin = tokenmap 9 (.*) %D$/m.exec(arc)?.[1]?.split(' ') ?? [];
  const payload = JSON.parse(readFileSync(join(ROOT, 'mapfiles/tokens/cms-pilot.json'), 'utf8'));
  const subject = `${payload.iss}/${payload.sub}`;
  const r = await runBin([...words.slice(1), subject], { via: words[0], stdin: 'open' });
  const cold = await runBin(['arc-plugin', '--config', config, subject], { stdin: 'open' });
  t.equal(r.stdout.toString(), cold.stdout.toString(), "no service there: the cold path's answer");
  t.equal(r.stderr, cold.stderr, 'silently');
});

t.test('[serve] port must be a privileged port', async (t) => {
  for (const port of ['0', '1024', '8080', 'http', '-1']) {
    const dir = scratch();
    const config = put(dir, 'tokenmap.ini', `[rules]\nsource[] = mapfile:m\n[serve]\nport = ${port}\n`);
    put(dir, 'm', '');
    const r = await runBin(['snippet', 'htcondor-ce', '--config', config]);
    t.equal(r.code, 2, `port = ${port}`);
    t.match(r.stderr, /tokenmap\.ini:4: .*serve \/ port/, 'FILE:LINE');
    const lint = await runBin(['check', config]);
    t.match(lint.stdout.toString(), /tokenmap\.ini:4:1: error INI_VALUE serve \/ port/, 'check names it too');
  }
});
