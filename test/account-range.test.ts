// Pool accounts: names and numbered ranges, and everything that is neither.
import fc from 'fast-check';
import t from 'tap';
import { ACCOUNT_NAME, MAX_POOL_SIZE, parseAccounts } from '../src/accounts/account-range.js';

t.test('ranges and names', (t) => {
  t.same(parseAccounts('atlas001-atlas003').accounts, ['atlas001', 'atlas002', 'atlas003']);
  t.same(parseAccounts('atlas098-atlas100 atlasx, cms-pilot01-cms-pilot02').accounts, [
    'atlas098',
    'atlas099',
    'atlas100',
    'atlasx',
    'cms-pilot01',
    'cms-pilot02',
  ]);
  t.same(parseAccounts('grid-01').accounts, ['grid-01'], 'a dash alone is part of a name');
  t.same(parseAccounts('a7-a7').accounts, ['a7']);
  t.end();
});

t.test('problems', (t) => {
  const bad = (v: string, re: RegExp) => t.match(parseAccounts(v).problems.join('\n'), re, v);
  bad('atlas1-atlas100', /looks like a range/);
  bad('atlas001-cms100', /looks like a range/);
  bad('a10-a01', /counts down/);
  bad('a1 a1', /listed twice/);
  bad('a001-a003 a002', /listed twice/);
  bad('~x', /not a valid pool account name/);
  bad('.hidden', /not a valid pool account name/);
  bad('-x', /not a valid pool account name/);
  bad('a%2F', /not a valid pool account name/);
  bad('a0000000-a9999999', new RegExp(`at most ${MAX_POOL_SIZE}`));
  bad('', /at least one account/);
  t.end();
});

t.test('whatever is written, every account parsed is a safe directory entry', (t) => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom('a', '0', '9', '-', ' ', '.', '~', '/', '%', 'x'), maxLength: 30 }),
      (v) => {
        const r = parseAccounts(v);
        return (
          r.accounts.every((a) => ACCOUNT_NAME.test(a) && a !== '.' && a !== '..') && r.accounts.length <= MAX_POOL_SIZE
        );
      },
    ),
  );
  t.end();
});
