// The fuzz suite, in process: the map file parser and loader, the policy parser and the claims adapters
// never throw anything but their typed errors, whatever bytes they are given.
import t from 'tap';
import fc from 'fast-check';
import { binaryFromText, type Binary } from '../src/bytes.js';
import { TokenmapError } from '../src/errors.js';
import { claimsFromEnv } from '../src/claims/from-env.js';
import { claimsFromPayload } from '../src/claims/from-payload.js';
import { claimsFromSubject } from '../src/claims/from-subject.js';
import { compileMap } from '../src/mapfile/compile.js';
import type { FileReader } from '../src/io/reader.js';
import { DEFAULT_EXCLUDE_JS, loadMapFile } from '../src/mapfile/load.js';
import { lookup } from '../src/mapfile/lookup.js';
import { parseMapText } from '../src/mapfile/parse.js';
import { parsePolicy } from '../src/policy/parse.js';
import { hostileText, nasty, params } from './helpers/fuzz.js';

// Thousands of cases: more than tap's default 30 s on a loaded machine.
t.setTimeout(180_000);
/** Only typed errors may escape; anything else (a TypeError, a RangeError) is a bug. */
const typedOnly = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TokenmapError)) throw e;
  }
};

const mapToken = fc.oneof(
  fc.constantFrom('SCITOKENS', 'scitokens', 'GSI', '@include', '#', '*', 'PLUGIN:*', '\\1', '\\2', '"', '/'),
  fc.constantFrom('/^https:\\/\\/iss,(.*)$/', '/(a+)+/', '/[/', '/x/i', '/x/U', '/(?<n>x)\\k<n>/', '"a b"', '"\\"'),
  fc.constantFrom('\\1@banned.htcondor.org', '\\1@unmapped', 'user@daemon.htcondor.org', '(', ')', '|', '{2,}'),
  hostileText(3),
);
const mapLine = fc
  .array(mapToken, { maxLength: 5 })
  .chain((tokens) => fc.constantFrom(' ', '\t', '  ').map((sep) => tokens.join(sep)));
const mapText = fc
  .array(mapLine, { maxLength: 8 })
  .chain((lines) => fc.constantFrom('\n', '\r\n', '\r').map((nl) => lines.join(nl)));

/** An in-memory file system for the loader, with an unreadable file and a directory. */
function memoryReader(files: Record<string, string>): FileReader {
  const reader: FileReader = {
    read(path: Binary) {
      if (path.endsWith('unreadable')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      const f = files[path];
      if (f === undefined) throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
      return Buffer.from(f, 'latin1');
    },
    kind: (path: Binary) =>
      path === '/d' || path === '/d/'
        ? 'dir'
        : files[path] !== undefined || path.endsWith('unreadable')
          ? 'file'
          : 'missing',
    list: () =>
      Object.keys(files)
        .filter((p) => p.startsWith('/d/'))
        .map((p) => p.slice(3)),
  };
  return reader;
}

t.test('map file: parse, load (with includes), compile and look up never crash', async (t) => {
  fc.assert(
    fc.property(mapText, mapText, hostileText(4), fc.boolean(), (top, inc, sub, hashKeys) => {
      const files = {
        '/top': binaryFromText(top + '\n@include /d\n@include /unreadable\n'),
        '/d/10.conf': binaryFromText(inc),
      };
      for (const includeFailures of ['warn', 'fail'] as const)
        typedOnly(() => {
          const loaded = loadMapFile('/top', memoryReader(files), {
            hashKeys,
            exclude: new RegExp(DEFAULT_EXCLUDE_JS),
            includeFailures,
          });
          const { map } = compileMap(loaded.records, { eager: false });
          lookup(map, 'SCITOKENS', binaryFromText(`https://iss,${sub}`));
        });
      typedOnly(() => parseMapText(binaryFromText(top), 'f', { hashKeys, included: true }));
    }),
    params(1500),
  );
});

const iniLine = fc.oneof(
  fc.constantFrom('[mappings]', '[rule r]', '[pool p]', '[DEFAULT]', '[__proto__]', '[logger]', '[rule ]', '['),
  fc
    .tuple(
      fc.constantFrom(
        'issuer',
        'account',
        'group',
        'vo',
        'role',
        'subject',
        'scopes',
        '__proto__',
        'pool',
        'deny',
        'x',
      ),
      fc.constantFrom(' = ', '=', ': ', ' '),
      hostileText(3),
    )
    .map(([k, s, v]) => k + s + v),
  hostileText(4),
  fc.constantFrom('  continued', '%(x)s', '# c', '; c'),
);

t.test('policy parser: any text gives problems with positions, never a crash', async (t) => {
  fc.assert(
    fc.property(fc.array(iniLine, { maxLength: 10 }), fc.constantFrom('\n', '\r\n'), (lines, nl) => {
      const pf = parsePolicy(lines.join(nl), 'p.ini');
      return pf.problems.every((p) => p.pos.file === 'p.ini' && p.pos.line >= 0);
    }),
    params(2000),
  );
});

const jsonish = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc
    .record(
      {
        iss: fc.oneof(hostileText(3), fc.integer()),
        sub: fc.oneof(hostileText(4), fc.constant(null)),
        aud: fc.oneof(hostileText(2), fc.array(fc.oneof(hostileText(2), fc.integer()), { maxLength: 3 })),
        scope: hostileText(4),
        exp: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 3 })),
        'wlcg.groups': fc.oneof(fc.array(hostileText(2), { maxLength: 3 }), fc.string({ maxLength: 3 })),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('{"a":1,"a":2}', '{"sub":"\\ud800"}', '[', '{"exp":1e999}', '{"iss":"x"}  {}', '\ufeff{}'),
);

t.test('claims from a payload: Claims or a typed error', async (t) => {
  fc.assert(
    fc.property(jsonish, fc.boolean(), (text, asBytes) => {
      typedOnly(() => claimsFromPayload(asBytes ? Buffer.from(text, 'latin1') : Buffer.from(text)));
    }),
    params(3000),
  );
});

const envName = fc.oneof(
  fc.constantFrom(
    'BEARER_TOKEN_0_ISSUER',
    'BEARER_TOKEN_0_SUBJECT',
    'BEARER_TOKEN_0_CLAIM_sub_0',
    'BEARER_TOKEN_0_CLAIM_sub_00',
    'BEARER_TOKEN_0_CLAIM_iss_0',
    'BEARER_TOKEN_0_CLAIM_aud_1',
    'BEARER_TOKEN_0_CLAIM_scope_0',
    'BEARER_TOKEN_0_CLAIM___proto___0',
    'BEARER_TOKEN_0_SCOPE_0',
    'BEARER_TOKEN_0_GROUP_0',
    'BEARER_TOKEN_0_AUDIENCE',
  ),
  nasty.map((n) => `BEARER_TOKEN_0_CLAIM_${n}_0`),
);

t.test('claims from the environment and from an ARC 6 subject: Claims or a typed error', async (t) => {
  fc.assert(
    fc.property(fc.dictionary(envName, hostileText(3), { maxKeys: 6 }), hostileText(5), (env, subject) => {
      typedOnly(() => claimsFromEnv(env));
      typedOnly(() => claimsFromSubject(subject));
    }),
    params(2000),
  );
});
