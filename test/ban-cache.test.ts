// The service's ban list cache (serve/ban-cache.ts): every decision reads each list, and a list is parsed
// again exactly when its bytes differ from the bytes it was parsed from, whatever its file's stat says.
// Property-based over sequences of list versions, same-size ones included.
import t from 'tap';
import fc from 'fast-check';
import { BanCache } from '../src/serve/ban-cache.js';
import { banListFrom, findBan } from '../src/accounts/ban-list.js';
import type { Claims } from '../src/claims/claims.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const parse = (b: Uint8Array, f: string) => banListFrom(Buffer.from(b).toString('utf8'), f);

const ISS = 'https://iss.example';
const who = (sub: string) => ({ iss: ISS, sub, entitlements: [], scopes: [], source: 'payload' }) as unknown as Claims;
// Versions of one list of the same size: which of alice or bobby it bans.
const VERSIONS = ['alice', 'bobby', 'aliXe', 'bobbX'].map((s) => `jti one\nsubject ${ISS} ${s}\n`);

t.test('each lookup answers for the text read now, and parses only what changed', async (t) => {
  await fc.assert(
    fc.property(fc.array(fc.constantFrom(...VERSIONS), { minLength: 1, maxLength: 30 }), (seq) => {
      const cache = new BanCache();
      let reads = 0;
      let parses = 0;
      let changes = 0;
      let last: string | null = null;
      for (const text of seq) {
        if (text !== last) changes++;
        last = text;
        const [list] = cache.source(
          ['/etc/tokenmap/bans'],
          () => (reads++, bytes(text)),
          (b, f) => (parses++, parse(b, f)),
        );
        for (const sub of ['alice', 'bobby'])
          if (Boolean(findBan([list!], who(sub))) !== text.includes(`${ISS} ${sub}\n`)) return false;
      }
      return reads === seq.length && parses === changes;
    }),
    { numRuns: 200 },
  );
  t.pass('the list always matches the bytes read; one parse per change');
});

t.test('a list that cannot be read or parsed fails every lookup, and is never served from before', async (t) => {
  const cache = new BanCache();
  const good = VERSIONS[0] as string;
  cache.source(['/b'], () => bytes(good), parse);
  t.throws(() => cache.source(['/b'], () => bytes('jti\n'), parse), { code: 'BANS_INVALID' });
  t.throws(() => cache.source(['/b'], () => bytes('jti\n'), parse), { code: 'BANS_INVALID' }, 'again: not kept');
  t.throws(
    () =>
      cache.source(
        ['/b'],
        () => {
          throw Object.assign(new Error('cannot read'), { code: 'BANS_UNREADABLE' });
        },
        parse,
      ),
    { code: 'BANS_UNREADABLE' },
  );
});
