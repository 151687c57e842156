// Property: explain's text output and any stderr line never carry a terminal control, DEL, C1, bidi
// override or lone surrogate, whatever the token's header (kid, alg) and claims hold.
import t from 'tap';
import fc from 'fast-check';
import { policyFile } from './helpers/decide.js';
import { runMain } from './helpers/run.js';

const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('\u001b[31mred', 'a\u202eb', '\u0085x', 'x\u2028y', '\ud800', 'tab\there', 'cr\rlf\n'),
);

t.test('explain never prints attacker bytes raw', async (t) => {
  const policy = policyFile('[rule r]\nissuer = https://iss.example/\naudience_optional = yes\naccount = a\n');
  await fc.assert(
    fc.asyncProperty(nasty, nasty, nasty, nasty, async (kid, alg, sub, ent) => {
      const header = { alg, kid, typ: 'at+jwt' };
      const payload = { iss: 'https://iss.example/', sub, exp: 4102444800, entitlements: [ent], scope: ent };
      const token = `${b64(header)}.${b64(payload)}.c2ln`;
      for (const extra of [['--no-verify'], []]) {
        const r = await runMain(['explain', '-c', policy, ...extra, token]);
        // runMain hands stdout over as latin1 (bytes); the terminal sees UTF-8.
        const out = Buffer.from(r.stdout, 'latin1').toString('utf8');
        if (UNSAFE.test(out) || UNSAFE.test(r.stderr.replace(/\n/g, ''))) return false;
      }
      return true;
    }),
    { numRuns: 150 },
  );
  t.pass('no unsafe character on stdout or stderr');
});
