// WLCG scope paths: segment-aware coverage and normalisation (shared/spec/tokens.md §9), through rules
// that require a storage scope, and the profile checks a site configuration applies.
import t from 'tap';
import { decide } from './helpers/decide.js';

const IAM = 'https://iam.example.org/';
const rule = (scopes: string) =>
  `[rule r]\nissuer = ${IAM}\naudience = https://se.example.org\nscopes = ${scopes}\naccount = mapped\n`;
const tok = (scope: string) => ({ iss: IAM, sub: 's', aud: 'https://se.example.org', scope });

const cases: [string, string, string, 0 | 1][] = [
  ['the same path', 'storage.read:/foo', 'storage.read:/foo', 0],
  ['a parent covers a child', 'storage.read:/foo/bar', 'storage.read:/foo', 0],
  ['never a sibling prefix', 'storage.read:/foobar', 'storage.read:/foo', 1],
  ['a child does not cover its parent', 'storage.read:/foo', 'storage.read:/foo/bar', 1],
  ['/ covers everything', 'storage.read:/a/b/c', 'storage.read:/', 0],
  ['doubled slashes and dot segments are dropped', 'storage.read:/a/b', 'storage.read://a/./b', 0],
  ['percent-encoded segments are decoded', 'storage.read:/ab', 'storage.read:/%61b', 0],
  ['double encoding is decoded too (up to 4 rounds)', 'storage.read:/ab', 'storage.read:/%2561b', 0],
  ['five rounds of encoding grant nothing', 'storage.read:/ab', 'storage.read:/%252525252561b', 1],
  ['a segment decoding to .. grants nothing', 'storage.read:/etc', 'storage.read:/x/%2e%2e', 1],
  ['an encoded slash inside a segment grants nothing', 'storage.read:/a/b', 'storage.read:/a%2Fb', 1],
  ['a path is mandatory on a storage scope', 'storage.read:/a', 'storage.read', 1],
  ['the authorisation must match', 'storage.read:/a', 'storage.stage:/a', 1],
  ['stage does not imply read', 'storage.read:/a', 'storage.stage:/', 1],
  ['modify is a superset of create', 'storage.create:/a/b', 'storage.modify:/a', 0],
  ['create is not modify', 'storage.modify:/a', 'storage.create:/a', 1],
  ['scopes are case-sensitive', 'storage.read:/a', 'Storage.read:/a', 1],
];

for (const [name, required, granted, expect] of cases) {
  t.test(name, async (t) => {
    t.equal((await decide(rule(required), tok(granted))).code, expect);
  });
}
