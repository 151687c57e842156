// AARC-G002 entitlements through native rules: RFC 8141 case rules, percent-encoding, subgroups, roles,
// authority, legacy values, string vs array (shared/spec/tokens.md §16).
import t from 'tap';
import { decide, EGI } from './helpers/decide.js';

const ruleFor = (conds: string) => `[rule r]\nissuer = ${EGI}\naudience_optional = yes\n${conds}\naccount = mapped\n`;
const tok = (ents: string | string[]) => ({ iss: EGI, sub: 's@egi.eu', eduperson_entitlement: ents });

const cases: [string, string, string | string[], 0 | 1][] = [
  [
    'full URN, exact',
    'entitlement = urn:mace:egi.eu:group:biomed:role=member#aai.egi.eu',
    'urn:mace:egi.eu:group:biomed:role=member#aai.egi.eu',
    0,
  ],
  [
    '"urn" and the NID are case-insensitive',
    'entitlement = urn:mace:egi.eu:group:biomed#aai.egi.eu',
    'URN:MACE:egi.eu:group:biomed#aai.egi.eu',
    0,
  ],
  [
    'the NSS is case-sensitive',
    'entitlement = urn:mace:egi.eu:group:biomed#aai.egi.eu',
    'urn:mace:egi.eu:group:BIOMED#aai.egi.eu',
    1,
  ],
  [
    'percent-encoding hex digits compare case-insensitively',
    'entitlement = urn:mace:egi.eu:group:vo%2ax#aai.egi.eu',
    'urn:mace:egi.eu:group:vo%2Ax#aai.egi.eu',
    0,
  ],
  [
    'percent-encoding is never decoded',
    'entitlement = urn:mace:egi.eu:group:vo%2Ax#aai.egi.eu',
    'urn:mace:egi.eu:group:vo*x#aai.egi.eu',
    1,
  ],
  [
    'the authority counts by default',
    'entitlement = urn:mace:egi.eu:group:biomed#aai.egi.eu',
    'urn:mace:egi.eu:group:biomed#other.example',
    1,
  ],
  [
    'compare_authority = no',
    'entitlement = urn:mace:egi.eu:group:biomed#aai.egi.eu\ncompare_authority = no',
    'urn:mace:egi.eu:group:biomed#other.example',
    0,
  ],
  [
    'a string claim is one entitlement, exact',
    'entitlement = urn:mace:egi.eu:group:vo.example#aai.egi.eu',
    'urn:mace:egi.eu:group:vo.example.org#aai.egi.eu',
    1,
  ],
  [
    'any element of an array',
    'entitlement = urn:mace:egi.eu:group:biomed#aai.egi.eu',
    ['urn:x', 'urn:mace:egi.eu:group:biomed#aai.egi.eu'],
    0,
  ],
  ['structured: VO', 'vo = biomed', 'urn:mace:egi.eu:group:biomed:role=member#aai.egi.eu', 0],
  ['structured: VO without a role matches no role too', 'vo = biomed', 'urn:mace:egi.eu:group:biomed#aai.egi.eu', 0],
  [
    'structured: subgroup membership does not imply the VO',
    'vo = biomed',
    'urn:mace:egi.eu:group:biomed:pilots:role=member#aai.egi.eu',
    1,
  ],
  [
    'structured: subgroup path',
    'vo = biomed\nsubgroup = pilots',
    'urn:mace:egi.eu:group:biomed:pilots:role=member#aai.egi.eu',
    0,
  ],
  [
    'structured: deeper subgroup is not the subgroup',
    'vo = biomed\nsubgroup = pilots',
    'urn:mace:egi.eu:group:biomed:pilots:x#aai.egi.eu',
    1,
  ],
  [
    'structured: role on the rightmost group',
    'vo = biomed\nrole = pilot',
    'urn:mace:egi.eu:group:biomed:role=pilot#aai.egi.eu',
    0,
  ],
  [
    'structured: a subgroup role is not a VO role',
    'vo = biomed\nrole = pilot',
    'urn:mace:egi.eu:group:biomed:sub:role=pilot#aai.egi.eu',
    1,
  ],
  [
    'structured: no role hierarchy',
    'vo = biomed\nrole = member',
    'urn:mace:egi.eu:group:biomed:role=pilot#aai.egi.eu',
    1,
  ],
  ['structured: the EGI namespace by default', 'vo = biomed', 'urn:mace:example.org:group:biomed#aai.egi.eu', 1],
  [
    'structured: another namespace when named',
    'vo = biomed\nnamespace = urn:mace:example.org',
    'urn:mace:example.org:group:biomed#aai.egi.eu',
    0,
  ],
  ['structured: the EGI authority by default', 'vo = biomed', 'urn:mace:egi.eu:group:biomed#rogue.example', 1],
  [
    'structured: authority = * accepts any',
    'vo = biomed\nauthority = *',
    'urn:mace:egi.eu:group:biomed#rogue.example',
    0,
  ],
  [
    'structured: a value without an authority does not match a rule naming one (the default)',
    'vo = biomed',
    'urn:mace:egi.eu:group:biomed',
    1,
  ],
  [
    'structured: an empty component does not parse',
    'vo = biomed',
    'urn:mace:egi.eu:group:biomed::role=member#aai.egi.eu',
    1,
  ],
  [
    'legacy values stay literals: exact match works',
    'entitlement = urn:mace:egi.eu:aai.egi.eu:member@fedcloud.egi.eu',
    'urn:mace:egi.eu:aai.egi.eu:member@fedcloud.egi.eu',
    0,
  ],
  [
    'legacy values never match structured rules',
    'vo = fedcloud.egi.eu\nauthority = *',
    'urn:mace:egi.eu:aai.egi.eu:member@fedcloud.egi.eu',
    1,
  ],
];

for (const [name, conds, ents, expect] of cases) {
  t.test(name, async (t) => {
    const r = await decide(ruleFor(conds), tok(ents));
    t.equal(r.code, expect, r.stderr);
  });
}

t.test('entitlements requested by scope count unless the rule says asserted only', async (t) => {
  const p = {
    iss: EGI,
    sub: 's',
    scope: 'compute.create eduperson_entitlement:urn:mace:egi.eu:group:biomed:role=pilot#aai.egi.eu',
  };
  t.equal((await decide(ruleFor('vo = biomed\nrole = pilot'), p)).code, 0);
  t.equal((await decide(ruleFor('vo = biomed\nrole = pilot\nentitlements_from_scope = no'), p)).code, 1);
});

t.test('a policy value holding % never breaks parsing', async (t) => {
  t.equal(
    (
      await decide(
        ruleFor('entitlement = urn:mace:egi.eu:group:a%b%#aai.egi.eu'),
        tok('urn:mace:egi.eu:group:a%b%#aai.egi.eu'),
      )
    ).code,
    0,
  );
});
