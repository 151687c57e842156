// `check` lints exactly what a callout reads for its rules: the files `check --json` reports having read
// (the real binary) are the RuleSet's files plus its ban lists, for the shipped configurations and for
// crafted ones with includes, policy directories, ban lists and pinned key files. And a RuleSet's files are
// what its build read (the account database aside), so that `serve` watches what it depends on.
import t from 'tap';
import { join } from 'node:path';
import { binaryFromText, textFromBinary, type Binary } from '../src/bytes.js';
import { DEFAULT_ACCOUNT_FILES, loadSiteConfig } from '../src/config/config.js';
import { buildRuleSet, type RuleSetInput } from '../src/engine/rule-set.js';
import { nodeReader } from '../src/io/node-reader.js';
import { recordingReader } from '../src/serve/file-signature.js';
import { put, scratch } from './helpers/files.js';
import { ROOT, runBin } from './helpers/run.js';

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
const ACCOUNT_DB = new Set(Object.values(DEFAULT_ACCOUNT_FILES).map(binaryFromText));

/** The RuleSet the callout builds, and every path its build touched through the reader. */
function engine(input: (r: typeof nodeReader) => RuleSetInput) {
  const seen = new Set<Binary>();
  const reader = recordingReader(nodeReader, seen);
  const rules = buildRuleSet(input(reader), reader);
  const read = sorted([...seen].filter((p) => !ACCOUNT_DB.has(p)).map(textFromBinary));
  return { rules, read };
}

async function checkFiles(args: string[]): Promise<string[]> {
  const r = await runBin(['check', '--json', ...args]);
  t.not(r.code, 2, r.stderr);
  return JSON.parse(r.stdout.toString()).files;
}

const MAP = 'SCITOKENS /^https:\\/\\/i\\.example,b$/ user\n';
const POLICY = '[rule a]\nissuer = https://i.example\naccount = alice\n';

function crafted(): Record<string, string> {
  const dir = scratch();
  const w = (name: string, text: string) => put(dir, name, text);
  // Includes: a file and a directory, whose excluded names (backups, dot files) HTCondor skips.
  w('map', `@include ${dir}/extra.map\n@include ${dir}/map.d/\n${MAP}`);
  w('extra.map', 'SCITOKENS /^https:\\/\\/j\\.example,/ PLUGIN:TOKENMAP\n');
  w('map.d/10-a.conf', MAP.replace('user', 'usera'));
  w('map.d/20-b.conf.rpmsave', MAP.replace('user', 'userb'));
  w('map.d/.hidden', MAP.replace('user', 'userc'));
  // Policy directories: *.ini read in byte order, anything else not.
  w('policies.d/10-a.ini', POLICY);
  w('policies.d/20-b.ini', POLICY.replace('alice', 'bob').replace('rule a', 'rule b'));
  w('policies.d/30-c.conf', POLICY);
  w('direct.ini', POLICY.replace('i.example', 'k.example'));
  w('bans', 'issuer https://evil.example\n');
  w('more-bans', 'jti abc\n');
  w('keys.jwks', '{"keys":[]}\n');
  const base = `[rules]\nsource[] = mapfile:map\nsource[] = policy:direct.ini\n[plugin TOKENMAP]\npolicy[] = policies.d/\n`;
  return {
    includes: w('includes.ini', base),
    bans: w('bans.ini', `${base}[bans]\nfile[] = bans\nfile[] = more-bans\n`),
    keys: w('keys.ini', `${base}[tokens]\njwks[] = https://i.example keys.jwks\n`),
    'policy dir only': w('dir.ini', '[rules]\nsource[] = policy:policies.d\n'),
  };
}

const configs: Record<string, string> = {
  'shipped HTCondor-CE example': join(ROOT, 'mapfiles/tokenmap.ini'),
  'shipped ARC example': join(ROOT, 'mapfiles/arc/tokenmap.ini'),
  ...crafted(),
};

for (const [what, config] of Object.entries(configs))
  t.test(`${what}: check reads what the callout reads`, async (t) => {
    const { rules, read } = engine((reader) => ({ config: loadSiteConfig(config, reader) }));
    t.same(read, sorted(rules.files), "the RuleSet's files are what its build read");
    t.same(await checkFiles(['--config', config]), sorted([...rules.files, ...rules.banFiles]));
  });

t.test('files given alone: check reads what the same rule-source flags make the engine read', async (t) => {
  const dir = scratch();
  put(dir, 'inc/10.conf', MAP);
  const map = put(dir, 'map', `@include ${dir}/inc/\n${MAP}`);
  put(dir, 'p/a.ini', POLICY);
  const policies = join(dir, 'p');
  const { rules, read } = engine(() => ({
    flags: [
      { kind: 'mapfile', path: map },
      { kind: 'policy', path: policies },
    ],
  }));
  t.same(read, sorted(rules.files));
  t.same(await checkFiles([map, policies]), sorted(rules.files));
});

t.test('an unreadable or malformed ban list is an error check reports, as every decision would fail', async (t) => {
  const dir = scratch();
  put(dir, 'm', MAP);
  put(dir, 'bad-bans', 'subject https://iss.example\n');
  const config = put(dir, 'c.ini', '[rules]\nsource[] = mapfile:m\n[bans]\nfile[] = missing-bans\nfile[] = bad-bans\n');
  const r = await runBin(['check', '--config', config]);
  t.equal(r.code, 1);
  t.match(r.stdout.toString(), new RegExp(`^${config}:4:10: error FILE_UNREADABLE .*missing-bans`, 'm'));
  t.match(r.stdout.toString(), new RegExp(`^${dir}/bad-bans:1:1: error BAN_SYNTAX `, 'm'));
  // ...and the callout does fail: the same configuration never maps.
  const callout = await runBin(['htcondor-plugin', '--config', config], {
    stdin: '{"iss":"https://i.example","sub":"b"}',
  });
  t.equal(callout.code, 2);
});
