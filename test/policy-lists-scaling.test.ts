// A policy match costs in step with the rule's lists plus the token's, never their product: a rule's
// groups, audiences or entitlements were each looked for by scanning the token's list, so 64 rules of
// 11,000 groups against a 64 KiB token took 96 s in a cold callout, and a 16 KiB request held the service's
// main thread for 29 s (review of a0ae6fe). Two properties: the lookups give exactly the answer (and the
// first hit, which explain reports) of the scan they replace, over random lists; and growing the rule's
// list and the token's eight times each costs about eight times the work, not 64 (CPU time of the callout's
// own main(), in this process: not a timed test).
import t from 'tap';
import fc from 'fast-check';
import { growth, type Callout } from './helpers/growth.js';
import { assembleClaims, type Claims } from '../src/claims/claims.js';
import { firstEqualEntitlement, hasAudience, hasGroup } from '../src/claims/claims-index.js';
import { parseEntitlement, sameEntitlement, type Entitlement } from '../src/claims/entitlement.js';
import { classifyScope, grants, pathCovers } from '../src/claims/scope.js';
import { put, scratch } from './helpers/files.js';

const ISS = 'https://iss.example';
// Few distinct values, so that hits, duplicates, case variants and authority differences are common.
const urn = fc
  .tuple(fc.constantFrom('urn:mace:egi.eu', 'URN:MACE:egi.eu', 'urn:mace:other.org'), fc.constantFrom('a', 'b', '%2f'))
  .chain(([ns, g]) =>
    fc.constantFrom('', '#aai.egi.eu', '#other.example').map((auth) => `${ns}:group:${g}:role=member${auth}`),
  );
const word = fc.constantFrom('/a', '/b', '/c', '/a/b', 'x', 'y');

function claimsOf(aud: string[], groups: string[], ents: string[], fromScope: boolean): Claims {
  return fromScope
    ? assembleClaims(
        { iss: ISS, aud, groups, scope: ents.map((e) => `eduperson_entitlement:${e}`).join(' ') },
        'payload',
        {},
        false,
      )
    : assembleClaims({ iss: ISS, aud, groups, entitlements: ents }, 'payload', {}, false);
}

t.test('the lookups answer as the scans they replace, and name the same first entitlement', async (t) => {
  fc.assert(
    fc.property(
      fc.array(word, { maxLength: 8 }),
      fc.array(word, { maxLength: 8 }),
      fc.array(urn, { maxLength: 8 }),
      fc.array(urn, { maxLength: 8 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      (tokenWords, ruleWords, tokenEnts, ruleEnts, fromScope, compareAuthority, fromScopeToo) => {
        const c = claimsOf(tokenWords, tokenWords, tokenEnts, fromScope);
        for (const w of ruleWords) {
          if (hasAudience(c, w) !== c.aud.includes(w)) return false;
          if (hasGroup(c, w) !== c.groups.includes(w)) return false;
        }
        const wanted: Entitlement[] = ruleEnts.map((e) => parseEntitlement(e));
        const scanned = c.entitlements.find(
          (e) => (fromScopeToo || !e.fromScope) && wanted.some((w) => sameEntitlement(e, w, compareAuthority)),
        );
        return firstEqualEntitlement(c, wanted, compareAuthority, fromScopeToo) === scanned;
      },
    ),
    { numRuns: 3000, seed: 11 },
  );
  t.pass('3,000 random token and rule lists');
});

// The tables are kept for the few tokens used last (claims/recent-memo.ts), not for every token the
// process sees: lookups that go back and forth between more tokens than that, as a long-lived service's
// do, still answer each token's own lists, never another's.
t.test("lookups that alternate between many tokens answer each token's own lists", async (t) => {
  const token = fc.tuple(
    fc.array(word, { maxLength: 4 }),
    fc.array(fc.constantFrom('storage.read:/a', 'x', 'y'), { maxLength: 3 }),
  );
  fc.assert(
    fc.property(
      fc.array(token, { minLength: 1, maxLength: 12 }),
      fc.array(fc.tuple(fc.nat(), word), { maxLength: 40 }),
      (tokens, asks) => {
        const cs = tokens.map(([words, scopes]) =>
          assembleClaims({ iss: ISS, aud: words, groups: words, scope: scopes.join(' ') }, 'payload', {}, false),
        );
        return asks.every(([i, w]) => {
          const c = cs[i % cs.length]!;
          return (
            hasGroup(c, w) === c.groups.includes(w) &&
            hasAudience(c, w) === c.aud.includes(w) &&
            grants(c.scopes, 'storage.read:/a') === c.scopes.includes('storage.read:/a')
          );
        });
      },
    ),
    { numRuns: 2000, seed: 12 },
  );
  t.pass('2,000 random sequences over up to 12 tokens');
});

// grants() looks a required storage path's covering paths up among the token's: the scan it replaced
// tested every token item with pathCovers. Paths of few segments, so that covering is common.
t.test("a storage scope is granted exactly when one of the token's items covers it", async (t) => {
  const authz = fc.constantFrom('storage.read', 'storage.create', 'storage.modify', 'storage.stage', 'compute.read');
  const segments = fc.array(fc.constantFrom('a', 'b', '.', '', '%61', 'a b', '..'), { maxLength: 4 });
  const scope = fc
    .tuple(authz, segments, fc.boolean())
    .map(([a, p, slash]) => `${a}:/${p.join('/')}${slash ? '/' : ''}`);
  fc.assert(
    fc.property(fc.array(scope, { maxLength: 6 }), scope, (token, required) => {
      const want = classifyScope(required);
      const implied = want.kind === 'storage' && want.authz === 'storage.create' ? ['storage.modify'] : [];
      const covers = (s: string) => {
        const have = classifyScope(s);
        return (
          want.kind === 'storage' &&
          have.kind === 'storage' &&
          have.path !== null &&
          want.path !== null &&
          (have.authz === want.authz || implied.includes(have.authz)) &&
          pathCovers(have.path, want.path)
        );
      };
      const scanned = want.kind === 'storage' ? token.some(covers) : token.includes(required);
      return grants(token, required) === scanned;
    }),
    { numRuns: 5000, seed: 13 },
  );
  t.pass('5,000 random token scopes and required scopes');
});

const dir = scratch();
type Kind = 'groups' | 'audience' | 'entitlement' | 'scopes';

/**
 * 8 rules for the token's issuer with an n-item list; the token brings n items, of which the last hits.
 * For scopes a rule needs all of its list: the last rule's n paths are all under the token's last one.
 */
function site(kind: Kind, n: number): Callout {
  const item = (i: number, who: string) =>
    kind === 'entitlement'
      ? `urn:mace:egi.eu:group:${who}${i}:role=member#aai.egi.eu`
      : kind === 'scopes'
        ? `storage.read:/${who}${i}`
        : `/${who}${i}`;
  const rules = Array.from({ length: 8 }, (_, r) => {
    const list = Array.from({ length: n }, (_, i) => item(i, kind === 'scopes' && r === 7 ? 'hit/x' : `r${r}x`));
    if (r === 7) list.push(kind === 'scopes' ? 'storage.read:/hit' : item(n, 'hit'));
    const opt = kind === 'audience' ? '' : 'audience_optional = yes\n';
    return `[rule r${r}]\nissuer = ${ISS}\n${opt}${kind} = ${list.join(' ')}\naccount = vo${r}\n`;
  }).join('\n');
  const sub = `${kind}${n}`;
  put(dir, `${sub}.ini`, rules);
  const config = put(
    dir,
    `${sub}-site.ini`,
    `[rules]\nsource[] = policy:${sub}.ini\n[tokens]\ncheck = no\n` +
      // Measured, not bounded: a loaded machine must not turn a slow run into a failure.
      '[limits]\nstdin_max = 4194304\ndeadline = 120\nregex_budget = 120\n',
  );
  const mine = [...Array.from({ length: n }, (_, i) => item(i, 'token')), item(n, 'hit')];
  const claim = kind === 'groups' ? 'wlcg.groups' : kind === 'audience' ? 'aud' : 'eduperson_entitlement';
  const token =
    kind === 'scopes' ? { scope: [...mine.slice(0, -1), 'storage.read:/hit'].join(' ') } : { [claim]: mine };
  const stdin = JSON.stringify({ iss: ISS, sub: 'someone', ...token });
  return { argv: ['htcondor-plugin', '--config', config], stdin, answer: 'vo7\n' };
}

for (const kind of ['groups', 'audience', 'entitlement', 'scopes'] as const)
  t.test(
    `a rule's ${kind} list and the token's, eight times as long: about eight times the work, not 64`,
    async (t) => {
      const ratio = await growth(site(kind, 1000), site(kind, 8000));
      t.ok(ratio < 20, `8 x 8,000 against 8,000 costs ${ratio.toFixed(1)}x 8 x 1,000 against 1,000`);
    },
  );
