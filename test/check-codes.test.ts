// `tokenmap check`: every code, each with the exact FILE:LINE:COL it reports, from the real binary run in
// a directory of real files (paths relative to it, as an admin runs it in a configuration repository).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LINT_CODES } from '../src/lint/codes.js';

const PILOT = '[rule a]\nissuer = https://i\naccount = a\n';
import { scratch } from './helpers/files.js';
import { ROOT, runBin } from './helpers/run.js';

interface Case {
  code: keyof typeof LINT_CODES;
  files: Record<string, string>;
  args: string[];
  /** `FILE:LINE:COL: severity CODE` that must start one output line. */
  expect: string;
}

const MAP = 'SCITOKENS /^https:\\/\\/i\\.example,b$/ user\n';
const cfg = (body: string, source = 'mapfile:m') => `[rules]\nsource[] = ${source}\n${body}`;

const CASES: Case[] = [
  {
    code: 'INI_SYNTAX',
    files: { 'c.ini': cfg('this is not ini\n'), m: MAP },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:3:1: error INI_SYNTAX',
  },
  {
    code: 'INI_DUPLICATE_SECTION',
    files: { 'c.ini': cfg('[audience]\naccept = a\n[audience]\naccept = b\n'), m: MAP },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:5:1: error INI_DUPLICATE_SECTION',
  },
  {
    code: 'INI_DUPLICATE_KEY',
    files: { 'c.ini': cfg('[audience]\naccept = a\n  accept = b\n'), m: MAP },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:5:3: error INI_DUPLICATE_KEY',
  },
  {
    code: 'INI_UNKNOWN_SECTION',
    files: { 'c.ini': cfg('[audiance]\naccept = a\n'), m: MAP },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:3:1: error INI_UNKNOWN_SECTION unknown section "audiance" (did you mean "audience"?)',
  },
  {
    code: 'INI_UNKNOWN_KEY',
    files: { 'c.ini': cfg('[audience]\naccpet = a\n'), m: MAP },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:4:1: error INI_UNKNOWN_KEY unknown key "accpet" (did you mean "accept"?)',
  },
  {
    code: 'INI_VALUE',
    files: { 'c.ini': cfg('[limits]\ndeadline = soon\n'), m: MAP },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:4:1: error INI_VALUE',
  },
  {
    code: 'FILE_UNREADABLE',
    files: { 'c.ini': cfg('', 'mapfile:missing') },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:2:12: error FILE_UNREADABLE',
  },
  {
    code: 'POLICY_RESULTS',
    files: { 'p.ini': '[rule a]\nissuer = https://i\naccount = a\ndeny = x\n' },
    args: ['p.ini'],
    expect: 'p.ini:1:1: error POLICY_RESULTS',
  },
  {
    code: 'POLICY_DENY_VALUE',
    files: { 'p.ini': '[rule a]\nissuer = https://i\ndeny = no\n' },
    args: ['p.ini'],
    expect: 'p.ini:3:8: error POLICY_DENY_VALUE',
  },
  {
    code: 'POLICY_SCOPE_PATH',
    files: {
      'p.ini': '[rule a]\nissuer = https://i\nscopes = compute.create storage.read:/a/../../etc\naccount = a\n',
    },
    args: ['p.ini'],
    expect: 'p.ini:3:1: error POLICY_SCOPE_PATH',
  },
  {
    code: 'POLICY_POOL_UNDEFINED',
    files: { 'p.ini': '; pools\n[rule a]\nissuer = https://i\npool = p\n' },
    args: ['p.ini'],
    expect: 'p.ini:2:1: error POLICY_POOL_UNDEFINED',
  },
  {
    code: 'POLICY_DIR_EMPTY',
    files: { 'c.ini': cfg('', 'policy:pol/'), 'pol/a.conf': '[rule a]\n' },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:2:12: error POLICY_DIR_EMPTY',
  },
  {
    code: 'CIV_WILDCARD',
    files: { 'v.ini': '[mappings]\nuser = * * * compute.create urn:x\n' },
    args: ['v.ini'],
    expect: 'v.ini:2:1: error CIV_WILDCARD',
  },
  {
    code: 'CIV_TAB',
    files: { 'v.ini': '[mappings]\nuser = * https://i * compute.create\tx urn:x\n' },
    args: ['v.ini'],
    expect: 'v.ini:2:1: warning CIV_TAB',
  },
  {
    code: 'CIV_MIXED_CASE',
    files: { 'v.ini': '[mappings]\nUserA = * https://i * compute.create urn:x\n' },
    args: ['v.ini'],
    expect: 'v.ini:2:1: warning CIV_MIXED_CASE',
  },
  {
    code: 'CIV_PERCENT',
    files: { 'v.ini': '[mappings]\nuser = * https://i * 100% urn:x\n' },
    args: ['v.ini'],
    expect: 'v.ini:2:25: warning CIV_PERCENT',
  },
  {
    code: 'CIV_INLINE_COMMENT',
    files: { 'p.ini': '[rule a]\nissuer = https://i\nscopes = compute.create ;old\naccount = a\n' },
    args: ['p.ini'],
    expect: 'p.ini:3:25: warning CIV_INLINE_COMMENT',
  },
  {
    code: 'CIV_LOGGER',
    files: { 'v.ini': '[mappings]\nuser = * https://i * compute.create urn:x\n\n[logger]\nconfig_path=x\n' },
    args: ['v.ini'],
    expect: 'v.ini:4:1: note CIV_LOGGER',
  },
  { code: 'MAP_SYNTAX', files: { m: '# x\nSCITOKENS onlytwo\n' }, args: ['m'], expect: 'm:2:1: error MAP_SYNTAX' },
  {
    code: 'MAP_CANONICAL_LF',
    files: { m: 'SCITOKENS /^https:\\/\\/i,b$/ "user\n' },
    args: ['m'],
    expect: 'm:1:29: error MAP_CANONICAL_LF',
  },
  {
    code: 'MAP_CRLF',
    files: { m: 'SCITOKENS /^https:\\/\\/i,b$/ user\r\n' },
    args: ['m'],
    expect: 'm:1:33: error MAP_CRLF',
  },
  { code: 'MAP_BOM', files: { m: '\xef\xbb\xbf' + MAP }, args: ['m'], expect: 'm:1:1: error MAP_BOM' },
  {
    code: 'MAP_NUL',
    files: { m: 'SCITOKENS /^https:\\/\\/i,b\0$/ user\n' },
    args: ['m'],
    expect: 'm:1:26: error MAP_NUL',
  },
  {
    code: 'MAP_FLAGS',
    files: { m: 'SCITOKENS /^https:\\/\\/i,b$/m user\n' },
    args: ['m'],
    expect: 'm:1:28: warning MAP_FLAGS',
  },
  {
    code: 'MAP_UNESCAPED_SLASH',
    files: { m: 'SCITOKENS /^https://i,b$/ user\n' },
    args: ['m'],
    expect: 'm:1:19: warning MAP_UNESCAPED_SLASH',
  },
  {
    code: 'MAP_UNESCAPED_DOT',
    files: { m: 'SCITOKENS /^https:\\/\\/i.example,b$/ user\n' },
    args: ['m'],
    expect: 'm:1:24: warning MAP_UNESCAPED_DOT',
  },
  {
    code: 'MAP_UNANCHORED',
    files: { m: 'SCITOKENS /https:\\/\\/i,b$/ user\n' },
    args: ['m'],
    expect: 'm:1:12: warning MAP_UNANCHORED',
  },
  {
    code: 'MAP_ISSUER_OPEN',
    files: { m: 'SCITOKENS /^https:\\/\\/i/ user\n' },
    args: ['m'],
    expect: 'm:1:24: warning MAP_ISSUER_OPEN',
  },
  {
    code: 'MAP_LITERAL_PRINCIPAL',
    files: { m: 'SCITOKENS https://demo.scitokens.org user\n' },
    args: ['m'],
    expect: 'm:1:11: warning MAP_LITERAL_PRINCIPAL',
  },
  {
    code: 'MAP_REGEX_KEYS_SLASH',
    files: { m: 'SCITOKENS /^https:\\/\\/i,b$/ user\n' },
    args: ['--regex-keys', 'm'],
    expect: 'm:1:11: warning MAP_REGEX_KEYS_SLASH',
  },
  {
    code: 'MAP_DOUBLE_BACKSLASH',
    files: { m: 'SCITOKENS /^https:\\/\\/i,a\\\\\\\\b$/ user\n' },
    args: ['m'],
    expect: 'm:1:26: warning MAP_DOUBLE_BACKSLASH',
  },
  {
    code: 'MAP_REGEX_INVALID',
    files: { m: 'SCITOKENS /^https:\\/\\/i,(b$/ user\n' },
    args: ['m'],
    expect: 'm:1:12: error MAP_REGEX_INVALID',
  },
  {
    code: 'MAP_REGEX_UNSUPPORTED',
    files: { m: 'SCITOKENS /^https:\\/\\/i,(?>b)$/ user\n' },
    args: ['m'],
    expect: 'm:1:12: error MAP_REGEX_UNSUPPORTED',
  },
  {
    code: 'MAP_NESTED_QUANTIFIER',
    files: { m: 'SCITOKENS /^https:\\/\\/i,(a+)+$/ user\n' },
    args: ['m'],
    expect: 'm:1:12: warning MAP_NESTED_QUANTIFIER',
  },
  {
    code: 'MAP_INCLUDE_MISSING',
    files: { m: '# top\n@include nothere\n' },
    args: ['m'],
    expect: 'm:2:1: error MAP_INCLUDE_MISSING',
  },
  {
    code: 'MAP_INCLUDE_NESTED',
    files: { m: '@include inc\n', inc: MAP + '@include other\n' },
    args: ['m'],
    expect: 'inc:2:1: error MAP_INCLUDE_NESTED',
  },
  {
    code: 'MAP_BACKUP_FILE',
    files: { m: '@include d/\n', 'd/10.conf': MAP, 'd/10.conf.bak': MAP },
    args: ['m'],
    expect: 'd/10.conf.bak:1:1: warning MAP_BACKUP_FILE',
  },
  {
    code: 'MAP_PLUGIN_EMPTY',
    files: { m: 'SCITOKENS /^https:\\/\\/i,/ PLUGIN:,\n' },
    args: ['m'],
    expect: 'm:1:27: error MAP_PLUGIN_EMPTY',
  },
  {
    code: 'MAP_PLUGIN_UNCONFIGURED',
    files: { 'c.ini': cfg(''), m: 'SCITOKENS /^https:\\/\\/i,/ PLUGIN:FOO\n' },
    args: ['--config', 'c.ini'],
    expect: 'm:1:27: error MAP_PLUGIN_UNCONFIGURED',
  },
  {
    code: 'MAP_PLUGIN_NAME',
    files: {
      'c.ini': cfg('[plugin EGI-CIV]\npolicy[] = p.ini\n'),
      m: 'SCITOKENS /^https:\\/\\/i,/ PLUGIN:EGI-CIV\n',
      'p.ini': '[rule a]\nissuer = https://i\naccount = a\n',
    },
    args: ['--config', 'c.ini'],
    expect: 'm:1:27: warning MAP_PLUGIN_NAME',
  },
  {
    code: 'PLUGIN_UNREACHABLE',
    files: { 'c.ini': cfg('[plugin TOKENMAP]\npolicy[] = p.ini\n', 'policy:d.ini'), 'd.ini': PILOT, 'p.ini': PILOT },
    args: ['--config', 'c.ini'],
    expect: "c.ini:3:1: warning PLUGIN_UNREACHABLE only a map file's PLUGIN:TOKENMAP line reaches this section",
  },
  {
    code: 'BAN_SYNTAX',
    files: { 'c.ini': cfg('[bans]\nfile[] = bans\n'), m: MAP, bans: '# banned\n  subject https://iss.example\n' },
    args: ['--config', 'c.ini'],
    expect: 'bans:2:3: error BAN_SYNTAX subject takes two values (has 1)',
  },
  {
    code: 'ACCOUNT_UNSAFE',
    files: { m: 'SCITOKENS /^https:\\/\\/i,b$/ root\n' },
    args: ['m'],
    expect: 'm:1:29: error ACCOUNT_UNSAFE',
  },
  {
    code: 'ISSUER_TRAILING_SLASH',
    files: { m: 'SCITOKENS /^https:\\/\\/i\\/,a$/ u1\nSCITOKENS /^https:\\/\\/i,b$/ u2\n' },
    args: ['m'],
    expect: 'm:2:11: warning ISSUER_TRAILING_SLASH',
  },
  {
    code: 'RULE_SHADOWED',
    files: { m: 'SCITOKENS /^https:\\/\\/i,/ u1\nSCITOKENS /^https:\\/\\/i,b$/ u2\n' },
    args: ['m'],
    expect: 'm:2:11: warning RULE_SHADOWED',
  },
  {
    code: 'BAN_AFTER_ALLOW',
    files: {
      'p.ini':
        '[rule a]\nissuer = https://i\naccount = a\n\n[rule b]\nissuer = https://i\nsubject = s\ndeny = leaked token\n',
    },
    args: ['p.ini'],
    expect: 'p.ini:5:1: warning BAN_AFTER_ALLOW',
  },
  {
    code: 'ARC6_PLUGIN_ONLY',
    files: {
      'c.ini': cfg('[plugin T]\npolicy[] = p.ini\n'),
      m: 'SCITOKENS /^https:\\/\\/i,/ PLUGIN:T\n',
      'p.ini': '; pilot\n[rule a]\nissuer = https://i\nsubject = s\naudience_optional = yes\naccount = a\n',
    },
    args: ['--config', 'c.ini'],
    expect: 'p.ini:2:1: warning ARC6_PLUGIN_ONLY',
  },
  {
    code: 'ARC6_AUDIENCE',
    files: {
      'c.ini': '[audience]\naccept = https://ce.example:9619\n\n[rules]\nsource[] = policy:p.ini\n',
      'p.ini': PILOT,
    },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:2:10: warning ARC6_AUDIENCE',
  },
  {
    code: 'ARC6_AUDIENCE',
    files: {
      'c.ini':
        '[audience]\naccept = https://ce.example:9619\narc6_unchecked = yes\n\n[rules]\nsource[] = policy:p.ini\n',
      'p.ini': PILOT,
    },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:3:18: warning ARC6_AUDIENCE',
  },
  {
    code: 'RULES_NONE_REACHABLE',
    files: { 'c.ini': '; no rules\n[rules]\nsource[] = policy:pol/\n', 'pol/a.ini': '; nothing yet\n' },
    args: ['--config', 'c.ini'],
    expect: 'c.ini:2:1: error RULES_NONE_REACHABLE',
  },
];

t.test('every code has a case', async (t) => {
  t.same([...new Set(CASES.map((c) => c.code))].sort(), Object.keys(LINT_CODES).sort());
});

t.test('every code is documented in the README with an example and the fix', async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const missing = Object.keys(LINT_CODES).filter((code) => !readme.includes(`| \`${code}\` |`));
  t.same(missing, [], 'codes missing from the README table');
});

// Every case's two runs (text and --json), four processes at a time: 96 spawns one by one are slow.
async function pool<T, R>(items: readonly T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

t.setTimeout(240000);
const runs = await pool(CASES, 4, async (c) => {
  const dir = scratch(c.files);
  return [await runBin(['check', ...c.args], { cwd: dir }), await runBin(['check', '--json', ...c.args], { cwd: dir })];
});

CASES.forEach((c, i) =>
  t.test(c.code, async (t) => {
    const [r, json] = runs[i] as [Awaited<ReturnType<typeof runBin>>, Awaited<ReturnType<typeof runBin>>];
    const out = r.stdout.toString();
    const lines = out.split('\n');
    t.ok(
      lines.some((l) => l.startsWith(c.expect)),
      `${c.expect}\n--- got:\n${out}${r.stderr}`,
    );
    t.equal(r.code, lines.some((l) => / error /.test(l)) ? 1 : 0, 'exit code');
    const doc = JSON.parse(json.stdout.toString()) as { problems: { code: string }[] };
    t.ok(
      doc.problems.some((p) => p.code === c.code),
      'the same problem in --json',
    );
  }),
);
