// Ban lists: the syntax, FILE:LINE for every entry and problem, and what each kind of entry refuses.
import fc from 'fast-check';
import t from 'tap';
import { banListFrom, describeBan, findBan, parseBanList, readBanLists } from '../src/accounts/ban-list.js';
import { claimsFromPayload } from '../src/claims/from-payload.js';
import { claimsFromSubject } from '../src/claims/from-subject.js';
import { TokenmapError } from '../src/errors.js';

const IAM = 'https://wlcg.cloud.cnaf.infn.it/';
const claims = (extra: Record<string, unknown> = {}) =>
  claimsFromPayload(Buffer.from(JSON.stringify({ iss: IAM, sub: 'alice', jti: 'j-1', ...extra })), 'payload');
const list = (text: string) => {
  const r = parseBanList(text, '/etc/tokenmap/bans');
  t.same(r.problems, [], text);
  return [r.list];
};
const where = (text: string, c = claims()) => {
  const hit = findBan(list(text), c);
  return hit ? `${hit.pos.line}:${hit.kind}` : null;
};

t.test('each kind of entry', (t) => {
  t.equal(where(`# comment\n\nsubject ${IAM} alice\n`), '3:subject');
  t.equal(where(`subject ${IAM} bob`), null);
  t.equal(where(`subject ${IAM.slice(0, -1)} alice`), '1:subject', 'issuer spelled without its trailing slash');
  t.equal(where(`issuer ${IAM}`), '1:issuer');
  t.equal(where('issuer https://other.example'), null);
  t.equal(where('jti j-1   # revoked 2026-12-01'), '1:jti', 'a trailing comment');
  t.equal(where('jti j-2'), null);
  const egi = claims({ eduperson_entitlement: ['urn:mace:egi.eu:group:vo.x:role=member#aai.egi.eu'] });
  t.equal(where('entitlement URN:MACE:egi.eu:group:vo.x:role=member#aai.egi.eu', egi), '1:entitlement');
  t.equal(where('entitlement urn:mace:egi.eu:group:vo.x:role=member', egi), '1:entitlement', 'any authority');
  t.equal(where('entitlement urn:mace:egi.eu:group:vo.x:role=member#other', egi), null);
  t.equal(where('entitlement urn:mace:egi.eu:group:vo.x', egi), null, 'a parent group is never implied');
  t.equal(where(`jti j-1\nsubject ${IAM} alice`), '1:jti', 'the first line that refuses');
  t.equal(where('subject "https://a b" "c d"', claims({ iss: 'https://a b', sub: 'c d' })), '1:subject');
  t.end();
});

t.test('ARC 6: only <iss>/<sub>, never split', (t) => {
  const arc6 = claimsFromSubject(`${IAM}/alice`);
  t.equal(where(`subject ${IAM} alice`, arc6), '1:subject');
  t.equal(where(`subject ${IAM.slice(0, -1)} alice`, arc6), '1:subject');
  t.equal(where(`issuer ${IAM}`, arc6), '1:issuer');
  t.equal(where('issuer https://wlcg.cloud', arc6), null);
  t.equal(where('jti j-1', arc6), null, 'ARC 6 passes no jti');
  t.end();
});

t.test('problems name FILE:LINE', (t) => {
  const problems = (text: string) =>
    parseBanList(text, 'bans.txt').problems.map((p) => `${p.pos.file}:${p.pos.line}: ${p.message}`);
  t.match(problems('\nsubject only-one'), ['bans.txt:2: subject takes two values (has 1)']);
  t.match(problems('ban alice'), [/bans.txt:1: unknown ban "ban"/]);
  // Names of Object.prototype are not kinds of ban either.
  for (const kind of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
    t.match(problems(`${kind} a b`), [new RegExp(`bans.txt:1: unknown ban "${kind}"`)]);
  t.match(problems('jti a b'), ['bans.txt:1: jti takes one value (has 2)']);
  t.match(problems('jti "unterminated'), [/bans.txt:1: unterminated/]);
  t.match(problems('jti "a"b'), [/followed by a space/]);
  t.match(problems('jti a\u0001'), [/control character/]);
  t.same(problems('jti a\r\n# x\r\n'), [], 'CRLF');
  t.end();
});

t.test('an unreadable or invalid list fails, naming it', (t) => {
  t.throws(
    () =>
      readBanLists(
        ['/b'],
        () => {
          throw new TokenmapError('BANS_UNREADABLE', 'cannot read ban list (ENOENT)', { file: '/b', line: 0 });
        },
        (b, f) => banListFrom(Buffer.from(b).toString('utf8'), f),
      ),
    { code: 'BANS_UNREADABLE' },
  );
  t.throws(() => banListFrom('jti\nissuer', '/b'), {
    code: 'BANS_INVALID',
    message: /\(and 1 more\)/,
    pos: { line: 1 },
  });
  t.equal(
    describeBan(list(`subject ${IAM} alice`)[0]!.entries[0]!),
    `banned by /etc/tokenmap/bans:1 (subject "alice" of "${IAM}")`,
  );
  t.end();
});

t.test('any text: every line is an entry or a problem with its line, never a crash', (t) => {
  fc.assert(
    fc.property(
      fc.string({
        unit: fc.constantFrom('jti', 'subject', ' ', '"', '\\', '#', '\n', 'a', '\t', '\r', 'é'),
        maxLength: 60,
      }),
      (text) => {
        const r = parseBanList(text, 'f');
        const lines = text.split('\n').length;
        return [...r.list.entries, ...r.problems].every((x) => x.pos.line >= 1 && x.pos.line <= lines);
      },
    ),
  );
  t.end();
});

t.test('the indexed lookup refuses exactly what the entries say, for any identity', (t) => {
  const part = fc.constantFrom('https://a.example', 'https://a.example/', 'https://b.example/', 'x', 'y', 'a b', '#');
  const entry = fc.oneof(
    fc.tuple(fc.constant('subject'), part, part),
    fc.tuple(fc.constant('issuer'), part),
    fc.tuple(fc.constant('jti'), part),
  );
  const bare = (s: string) => s.replace(/\/$/, '');
  fc.assert(
    fc.property(
      fc.array(entry, { maxLength: 6 }),
      part,
      part,
      fc.option(part, { nil: undefined }),
      (es, iss, sub, jti) => {
        const text = es.map((e) => e.map((f) => JSON.stringify(f)).join(' ')).join('\n');
        const parsed = parseBanList(text, 'f');
        const c = claimsFromPayload(Buffer.from(JSON.stringify({ iss, sub, ...(jti ? { jti } : {}) })), 'payload');
        const naive = es.findIndex(([kind, a, b]) =>
          kind === 'subject'
            ? bare(a) === bare(iss) && b === sub
            : kind === 'issuer'
              ? bare(a) === bare(iss)
              : jti !== undefined && a === jti,
        );
        const hit = findBan([parsed.list], c);
        return parsed.problems.length === 0 && (hit === null ? naive < 0 : hit.pos.line === naive + 1);
      },
    ),
  );
  t.end();
});
