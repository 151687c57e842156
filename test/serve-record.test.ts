// The fast lane's request form (src/serve/record-request.ts): every byte of an argument, an environment
// value or stdin arrives as sent, in its own record, the last of duplicate names wins (as bash keeps it),
// and junk never half-decodes: it is a BadRequest or a whole request.
import t from 'tap';
import fc from 'fast-check';
import { BadRequest, LIMITS } from '../src/serve/protocol.js';
import { decodeRecords, RECORD_MAGIC, requestEnd } from '../src/serve/record-request.js';

const noNul = (max = 100) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a.filter((c) => c !== 0)));
/** What bin/tokenmap-callout's printf writes: each record, then NUL; the end record last. */
const records = (...r: Buffer[]) =>
  Buffer.concat([Buffer.from(RECORD_MAGIC), ...r, Buffer.from('.')].flatMap((b) => [b, Buffer.from([0])]));
const tagged = (tag: string, b: Buffer) => Buffer.concat([Buffer.from(tag), b]);

t.test('a request decodes to exactly the bytes that were sent, whatever they are', async (t) => {
  fc.assert(
    fc.property(
      fc.array(noNul(), { maxLength: 8 }),
      fc.option(noNul(2000), { nil: null }),
      fc.array(noNul(60), { maxLength: 5 }),
      (args, stdin, values) => {
        const env = values.map((v, i) => Buffer.concat([Buffer.from(`BEARER_TOKEN_0_CLAIM_x.y_${i}=`), v]));
        const req = decodeRecords(
          records(
            ...args.map((a) => tagged('a', a)),
            ...env.map((e) => tagged('e', e)),
            ...(stdin === null ? [] : [tagged('s', stdin)]),
          ),
        );
        t.strictSame(
          req.args,
          args.map((a) => a.toString('utf8')),
        );
        t.ok(stdin === null ? req.stdin === null : req.stdin?.equals(stdin), 'stdin bytes, or none');
        values.forEach((v, i) => t.equal(req.env[`BEARER_TOKEN_0_CLAIM_x.y_${i}`], v.toString('utf8')));
      },
    ),
    { numRuns: 200 },
  );
});

t.test('only kept variables survive, and of duplicates the last', async (t) => {
  const req = decodeRecords(
    records(
      ...['PATH=/bin', 'BEARER_TOKEN_0_ISSUER=a', 'LD_PRELOAD=x', 'BEARER_TOKEN_0_ISSUER=b', '=x', 'noequals'].map(
        (e) => tagged('e', Buffer.from(e)),
      ),
    ),
  );
  t.strictSame(req.env, { BEARER_TOKEN_0_ISSUER: 'b' });
});

t.test('junk is refused whole, never half-decoded', async (t) => {
  const good = records(tagged('a', Buffer.from('htcondor-plugin')), tagged('s', Buffer.from('{}')));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(good.length), (junk, at) => {
      const buf = Buffer.concat([good.subarray(0, at), Buffer.from(junk), good.subarray(at)]);
      try {
        const req = decodeRecords(buf);
        // Whatever decodes is a request of the right shape, not a part of one.
        t.ok(Array.isArray(req.args) && requestEnd(buf) === buf.length);
      } catch (e) {
        t.ok(e instanceof BadRequest, String(e));
      }
    }),
    { numRuns: 300 },
  );
  for (const [name, buf] of [
    ['no magic', Buffer.from('\0.\0')],
    ['another version', Buffer.from('tokenmap-callout/3\0.\0')],
    ['a version without its number', Buffer.from('tokenmap-callout/\0.\0')],
    ['no end record', Buffer.from(`${RECORD_MAGIC}\0ax\0`)],
    ['bytes after the end', Buffer.concat([records(), Buffer.from('x')])],
    ['an empty record', Buffer.from(`${RECORD_MAGIC}\0\0.\0`)],
    ['an unknown tag', records(tagged('z', Buffer.from('1')))],
    ['stdin twice', records(tagged('s', Buffer.from('1')), tagged('s', Buffer.from('2')))],
    ['too many arguments', records(...Array.from({ length: LIMITS.args + 1 }, () => tagged('a', Buffer.from('x'))))],
    [
      'too many variables',
      records(...Array.from({ length: LIMITS.envEntries + 1 }, () => tagged('e', Buffer.from('A=1')))),
    ],
    ['over the size cap', records(tagged('s', Buffer.alloc(LIMITS.body, 0x20)))],
  ] as const)
    t.throws(() => decodeRecords(buf), BadRequest, name);
});

t.test('the end is found wherever the stream is cut', async (t) => {
  const whole = records(tagged('a', Buffer.from('.')), tagged('s', Buffer.from('x.')));
  t.equal(requestEnd(whole), whole.length, 'a record that is a dot inside another is not the end');
  for (let cut = 0; cut < whole.length; cut++) t.equal(requestEnd(whole.subarray(0, cut)), -1, `cut at ${cut}`);
});

t.test('version 2 asks for the wide frame; version 1 (the client before) for the plain one', async (t) => {
  t.equal(RECORD_MAGIC, 'tokenmap-callout/2', 'what bin/tokenmap-callout sends');
  t.equal(decodeRecords(records()).wideFrame, true);
  const v1 = decodeRecords(Buffer.from('tokenmap-callout/1\0ahtcondor-plugin\0.\0'));
  t.strictSame({ args: v1.args, wideFrame: v1.wideFrame }, { args: ['htcondor-plugin'], wideFrame: false });
});
