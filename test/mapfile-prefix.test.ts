// The index prefix found without translating a regex must be a prefix of the translator's whenever it
// answers (shorter only weakens the filter): a wrong prefix would make a lookup skip an entry that matches.
import t from 'tap';
import { DEFAULT_EXCLUDE, DEFAULT_EXCLUDE_JS } from '../src/mapfile/load.js';
import { anchoredPrefix, translatePcre2 } from '../src/mapfile/pcre2.js';

const patterns = [
  '^https:\\/\\/atlas-auth\\.web\\.cern\\.ch\\/,7dee38a3$',
  '^https\\:\\/\\/scitokens\\.org\\/osg\\-connect,',
  '^abc|def',
  '^ab(c|d)',
  '^a(b|c)|d',
  '^ab*c',
  '^ab?',
  '^a{2}b',
  '^a\\{b',
  '^\\Qab\\E',
  '^a[|]b',
  '^[a]b',
  '^a\\|b',
  '^a(?#x|y)b',
  '^(?i)ab',
  '\\Aab',
  '\\Gab',
  '^ab\\dc',
  '^ab\\x41',
  '^a.b',
  '^a\\.b',
  '^\xc3\xa9t\xc3\xa9,',
  '^AbC',
  '^a(?:b|c)d|e',
  '^a\\',
  'a^b',
  '^',
  '^*a',
  '^a+',
  '^ab(*UTF)',
  '^a\\,b\\@c\\-d\\:e',
  '^a b',
  '^a#b',
  '^a\\Eb',
  '^ab\\Q|\\E',
  '^a(b))|c',
  '^a((b)|c',
  '^a}b',
  '^a]b',
];

for (const pattern of patterns) {
  for (const caseless of [false, true]) {
    const quick = anchoredPrefix(pattern, caseless);
    const full = translatePcre2(pattern, { caseless, ungreedy: false });
    t.test(`${JSON.stringify(pattern)}${caseless ? ' /i' : ''}`, async (t) => {
      if (full.kind !== 'ok') {
        t.pass(`PCRE2 rejects or tokenmap refuses it (${full.kind}); such an entry never answers a lookup`);
        return;
      }
      if (quick === null) t.pass('no prefix claimed: the entry is always tried');
      else
        t.ok(
          full.prefix?.startsWith(quick),
          `claimed ${JSON.stringify(quick)}, translator ${JSON.stringify(full.prefix)}`,
        );
    });
  }
}

t.test('the precompiled HTCondor exclude pattern is the translation of DEFAULT_EXCLUDE', async (t) => {
  const full = translatePcre2(DEFAULT_EXCLUDE, { caseless: false, ungreedy: false });
  t.equal(full.kind === 'ok' ? full.source : full.kind, DEFAULT_EXCLUDE_JS);
});
