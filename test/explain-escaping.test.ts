// Point 9 of issue 7: explain (and every error line) shows attacker bytes escaped, never raw.
import t from 'tap';
import fc from 'fast-check';
import { put, scratch } from './helpers/files.js';
import { runBin, runMain } from './helpers/run.js';
import { printable } from '../src/bytes.js';

const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
const ISS = 'https://iss.example';
const HOSTILE = 'x\u001b[2J\u001b]0;pwned\u0007\r\u202eevil\u2066\u0085\u007f\u0008y';

t.test('printable leaves no unsafe character, and changes nothing else', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
      const out = printable(s);
      if (UNSAFE.test(out) || out.includes('\n')) return false;
      return UNSAFE.test(s) || s.includes('\n') ? out !== s : out === s;
    }),
    { numRuns: 2000, seed: 7 },
  );
});

t.test('explain through the binary: every claim escaped', async (t) => {
  const dir = scratch();
  const policy = put(
    dir,
    'p.ini',
    `[rule r]\nissuer = ${ISS}\naudience_optional = yes\nsubject = nobody\naccount = a\n`,
  );
  const payload = {
    iss: ISS,
    sub: HOSTILE,
    aud: HOSTILE,
    scope: `compute.read ${HOSTILE}`,
    'wlcg.groups': [HOSTILE],
    eduperson_entitlement: [`urn:mace:egi.eu:group:${HOSTILE}`],
  };
  const claims = put(dir, 'claims.json', Buffer.from(JSON.stringify(payload)));
  const r = await runBin(['explain', '-c', policy, '--claims', claims]);
  t.equal(r.code, 1);
  const out = r.stdout.toString();
  t.notMatch(out, UNSAFE, 'no raw control or bidi character on stdout');
  t.match(out, 'x\\u001b[2J\\u001b]0;pwned\\u0007\\u000d\\u202eevil\\u2066\\u0085\\u007f\\u0008y', 'shown escaped');
  t.notMatch(r.stderr, UNSAFE, 'nor on stderr');
});

t.test('property: any claim bytes, nothing unsafe printed by explain or on any error line', async (t) => {
  const dir = scratch();
  const policy = put(dir, 'p.ini', `[rule r]\nissuer = ${ISS}\naudience_optional = yes\naccount = a\n`);
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 20 }), async (sub, aud) => {
      const claims = put(dir, 'c.json', Buffer.from(JSON.stringify({ iss: ISS, sub, aud, scope: sub })));
      const r = await runMain(['explain', '-c', policy, '--claims', claims]);
      // runMain gives stdout as a binary string: decode it as the terminal would.
      return !UNSAFE.test(Buffer.from(r.stdout, 'latin1').toString('utf8')) && !UNSAFE.test(r.stderr);
    }),
    { numRuns: 300, seed: 9 },
  );
});
