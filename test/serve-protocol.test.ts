// The wire protocol between tokenmap-callout and the service (src/serve/protocol.ts): every byte of an
// argument, an environment value or stdin arrives as sent, in its own field, and frames round-trip.
import t from 'tap';
import fc from 'fast-check';
import {
  answerFrame,
  BadRequest,
  decodeRequest,
  fallbackFrame,
  keptEnv,
  LIMITS,
  parseFrame,
  widenFrame,
} from '../src/serve/protocol.js';
import { form } from './helpers/service.js';

const bytes = (max = 300) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const noNul = (max = 100) => bytes(max).map((b) => Buffer.from(b.filter((c) => c !== 0)));

t.test('a request decodes to exactly the bytes that were sent, whatever they are', async (t) => {
  fc.assert(
    fc.property(
      fc.array(noNul(), { maxLength: 8 }),
      bytes(2000),
      fc.array(noNul(60), { maxLength: 5 }),
      (args, stdin, values) => {
        const env = values.map((v, i) => Buffer.concat([Buffer.from(`BEARER_TOKEN_0_CLAIM_x.y_${i}=`), v]));
        const block = Buffer.concat(env.flatMap((e) => [e, Buffer.from([0])]));
        const req = decodeRequest(
          form([...args.map((a): [string, Buffer] => ['arg', a]), ['env', block], ['stdin', stdin]]),
        );
        t.strictSame(
          req.args,
          args.map((a) => a.toString('utf8')),
        );
        t.ok(req.stdin?.equals(stdin), 'stdin bytes');
        values.forEach((v, i) => t.equal(req.env[`BEARER_TOKEN_0_CLAIM_x.y_${i}`], v.toString('utf8')));
      },
    ),
    { numRuns: 200 },
  );
});

t.test('only the variables a callout reads are kept; the first of a duplicate wins', async (t) => {
  const block = Buffer.from(
    'PATH=/bin\0BEARER_TOKEN_0_ISSUER=a\0BEARER_TOKEN_0_ISSUER=b\0X509_SUBJECT_NAME=s\0TOKENMAP_CONFIG=/c\0' +
      'TOKENMAP_DEBUG=1\0TOKENMAP_SOCKET=/x\0SECRET=1\0=junk\0noequals\0',
  );
  t.strictSame(keptEnv(block), {
    BEARER_TOKEN_0_ISSUER: 'a',
    X509_SUBJECT_NAME: 's',
    TOKENMAP_CONFIG: '/c',
    TOKENMAP_DEBUG: '1',
  });
});

t.test('no stdin field is a terminal (null), an empty one is an empty pipe', async (t) => {
  t.equal(decodeRequest(form([['arg', 'arc-plugin']])).stdin, null);
  t.equal(decodeRequest(form([['stdin', '']])).stdin?.length, 0);
});

t.test('malformed requests are refused, never half read', async (t) => {
  for (const [what, body] of [
    ['a field without =', Buffer.from('arg')],
    ['a bad escape', Buffer.from('arg=%4')],
    ['a non-hex escape', Buffer.from('arg=%zz')],
    ['an unknown field', Buffer.from('argv=x')],
    ['two stdin fields', Buffer.from('stdin=a&stdin=b')],
    ['a NUL in an argument', Buffer.from('arg=a%00b')],
    [
      'too many arguments',
      Buffer.from(
        Array(LIMITS.args + 1)
          .fill('arg=x')
          .join('&'),
      ),
    ],
    ['oversized', Buffer.alloc(LIMITS.body + 1, 0x61)],
  ] as const)
    t.throws(() => decodeRequest(body), { name: 'BadRequest' }, what);
  fc.assert(
    fc.property(bytes(200), (junk) => {
      try {
        decodeRequest(junk);
      } catch (e) {
        if (!(e instanceof BadRequest)) throw e;
      }
    }),
  );
});

t.test('frames round-trip, and nothing else parses as a frame', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(0, 1, 2), bytes(), bytes(), (code, stdout, stderr) => {
      for (const frame of [answerFrame({ code, stdout, stderr }), widenFrame(answerFrame({ code, stdout, stderr }))]) {
        const f = parseFrame(frame);
        t.ok(f && 'code' in f && f.code === code && f.stdout.equals(stdout) && f.stderr.equals(stderr));
      }
    }),
    { numRuns: 200 },
  );
  t.strictSame(parseFrame(fallbackFrame('over-budget')), { fallback: 'over-budget' });
  const junk = ['', '.', 'T 0 1 0\n.', 'T 3 0 0\n.', 'T 0 0 0\nx.', 'T 0 0 0\n', 'F \n.', 'T 0 000001 000000\n.'];
  // ...nor sizes with a leading zero that are not six digits wide.
  junk.push('T 0 00 0\n.', 'T 0 00000 000000\n.', 'T 0 0000000 000000\n.');
  for (const j of junk) t.equal(parseFrame(Buffer.from(j)), null, JSON.stringify(j));
  t.equal(widenFrame(Buffer.from('T 1 0 12\nno mapping.\n.')).toString(), 'T 1 000000 000012\nno mapping.\n.');
  t.equal(widenFrame(fallbackFrame('over-budget')).toString(), 'F over-budget\n.', 'a handback stays as it is');
  t.throws(
    () => widenFrame(answerFrame({ code: 2, stdout: Buffer.alloc(0), stderr: Buffer.alloc(1_000_000) })),
    /does not fit a frame/,
    'an answer too large for six digits is an error, never a frame',
  );
});
