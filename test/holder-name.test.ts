// Leaseholder names: one directory entry per key, never a path, never shared by two keys, bounded length.
import fc from 'fast-check';
import t from 'tap';
import { describeHolder, holderName, MAX_HOLDER_NAME } from '../src/accounts/holder-name.js';
import { classify, claimName, parkedName, removalName, uniqueTag } from '../src/accounts/lease-names.js';

const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', '.', '..', '/', 'a/b', 'a%2Fb', '%', '~', ',', '+', '\u0000', '../../etc/passwd', 'é', '\n'),
  fc.string({ unit: fc.constantFrom('/', '%', '2', 'F', ',', '~', '+', '.', 'a'), maxLength: 300 }),
);
const key = fc.array(nasty, { minLength: 1, maxLength: 3 });

t.test('every holder name is one safe directory entry of bounded length', (t) => {
  fc.assert(
    fc.property(key, (fields) => {
      const name = holderName(fields);
      return (
        name.startsWith('~') &&
        /^~[A-Za-z0-9._%,+-]*$/.test(name) &&
        Buffer.byteLength(name) <= MAX_HOLDER_NAME &&
        name !== '.' &&
        name !== '..'
      );
    }),
  );
  t.end();
});

t.test('two different keys never get one name', (t) => {
  fc.assert(
    fc.property(key, key, (a, b) => {
      fc.pre(a.length === b.length && a.some((x, i) => x !== b[i]));
      return holderName(a) !== holderName(b);
    }),
  );
  t.equal(holderName(['a/b']), '~a%2Fb');
  t.equal(holderName(['a%2Fb']), '~a%252Fb');
  t.not(holderName(['a,b']), holderName(['a', 'b']));
  t.end();
});

t.test('a name reads back as its key; a long one keeps a readable start and a hash', (t) => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), { minLength: 1, maxLength: 3 }), (fields) => {
      const d = describeHolder(holderName(fields));
      return d.hashed || JSON.stringify(d.fields) === JSON.stringify(fields);
    }),
  );
  const long = holderName(['https://issuer.example/', 'x'.repeat(400)]);
  t.equal(long.length <= MAX_HOLDER_NAME, true);
  t.match(long, /^~https%3A%2F%2Fissuer\.example%2F,x+\+[0-9a-f]{64}$/);
  t.same(describeHolder(long).hashed, true);
  t.not(long, holderName(['https://issuer.example/', 'x'.repeat(401)]));
  t.end();
});

t.test('entries are told apart: accounts, holders, transients, the rest', (t) => {
  const accounts = new Set(['atlas001']);
  const tag = uniqueTag('ce1.example.org', 4242, 0.5);
  t.match(tag, /^ce1\.example\.org\.[0-9a-z]+\.[0-9a-z]+$/);
  t.same(classify('atlas001', accounts), { kind: 'account', name: 'atlas001' });
  t.same(classify('~x', accounts), { kind: 'holder', name: '~x' });
  t.same(classify(parkedName('~x', tag), accounts).kind, 'holder');
  t.match(classify(claimName('atlas001', 1_700_000_000_000, tag), accounts), {
    kind: 'claim',
    account: 'atlas001',
    atMs: 1_700_000_000_000,
  });
  t.match(classify(removalName('~a%2Fb', 5, tag), accounts), { kind: 'removal', holder: '~a%2Fb', atMs: 5 });
  t.match(classify('.t~atlas001~garbage!~x', accounts), { kind: 'claim', atMs: 0 }, 'an unreadable time is old');
  t.match(classify('.r~zz', accounts), { kind: 'removal', holder: null });
  t.same(classify('.nfs000000001234', accounts).kind, 'other');
  t.same(classify('atlas002', accounts).kind, 'other');
  t.ok(
    Buffer.byteLength(
      removalName(holderName(['y'.repeat(999)]), Date.now(), uniqueTag('h'.repeat(99), 2 ** 31, 0.99)),
    ) <= 255,
  );
  t.end();
});
