// Point 12 of issue 7: the small contract slips, each a clear line and exit 2.
import t from 'tap';
import { put, scratch } from './helpers/files.js';
import { runBin } from './helpers/run.js';

const ISS = 'https://iss.example';
const POLICY = `[rule r]\nissuer = ${ISS}\naudience_optional = yes\naccount = alice\n`;

t.test('a huge --deadline or [limits] deadline is refused, never a 1 ms timer', async (t) => {
  const policy = put(scratch(), 'p.ini', POLICY);
  for (const value of ['99999999999', '1e3', '601']) {
    const r = await runBin(['htcondor-plugin', '-c', policy, '--deadline', value], {
      stdin: JSON.stringify({ iss: ISS, sub: 'x' }),
    });
    t.equal(r.code, 2, value);
    t.notMatch(r.stderr, /TimeoutOverflowWarning/);
    t.match(r.stderr, /--deadline/);
  }
  const dir = scratch({ 'p.ini': POLICY });
  const config = put(dir, 't.ini', '[rules]\nsource[] = policy:p.ini\n[limits]\ndeadline = 99999999999\n');
  const r = await runBin(['htcondor-plugin', '--config', config], { stdin: JSON.stringify({ iss: ISS, sub: 'x' }) });
  t.equal(r.code, 2);
  t.match(r.stderr, /^tokenmap: \S+t\.ini:4: \[limits\] deadline must be more than 0 and at most 600 seconds/);
});

t.test('exp: 1e999 says what is wrong with it', async (t) => {
  const policy = put(scratch(), 'p.ini', POLICY);
  const r = await runBin(['htcondor-plugin', '-c', policy], { stdin: `{"iss":"${ISS}","sub":"x","exp":1e999}` });
  t.equal(r.code, 2);
  t.match(r.stderr, /^tokenmap: claim "exp" is a number too large to be a time \(NumericDate\)/);
});

t.test('__proto__ as a policy key or section is an error at its line', async (t) => {
  for (const [text, re] of [
    [`[rule r]\nissuer = ${ISS}\n__proto__ = x\naccount = a\n`, /p\.ini:3: unknown key "__proto__"/],
    [`[__proto__]\nissuer = ${ISS}\n`, /p\.ini:1: unknown section "__proto__"/],
  ] as const) {
    const policy = put(scratch(), 'p.ini', text);
    const r = await runBin(['htcondor-plugin', '-c', policy], { stdin: JSON.stringify({ iss: ISS, sub: 'x' }) });
    t.equal(r.code, 2);
    t.match(r.stderr, re);
  }
});
