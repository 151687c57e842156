// The claims IdPs emit now (issue 9 part 4): `entitlements` next to `eduperson_entitlement` everywhere,
// AARC-G002 values without an authority, RFC 8141 r/q-components outside equivalence, scope paths that
// can never be granted as load errors, and HTCondor's two scope variables giving the same entitlements.
import t from 'tap';
import fc from 'fast-check';
import { claimsFromEnv } from '../src/claims/from-env.js';
import { claimsFromObject } from '../src/claims/from-payload.js';
import { parseEntitlement, sameEntitlement } from '../src/claims/entitlement.js';
import { arc7Env, htcondorEnv } from './helpers/ce-env.js';
import { decide, EGI, FAR, policyFile } from './helpers/decide.js';
import { put, scratch } from './helpers/files.js';
import { runMain } from './helpers/run.js';

const BIOMED = 'urn:mace:egi.eu:group:biomed:role=member#aai.egi.eu';
const HDF = 'urn:geant:h-df.de:group:aai-admin';

t.test('entitlements is read wherever eduperson_entitlement is, and says where it came from', async (t) => {
  const payload = { iss: EGI, sub: 's@egi.eu', exp: FAR, entitlements: [BIOMED] };
  for (const c of [
    claimsFromObject(payload, 'payload'),
    claimsFromEnv(htcondorEnv(payload)),
    claimsFromEnv(arc7Env(payload)),
  ])
    t.same(
      c.entitlements.map((e) => [e.raw, e.claim, e.fromScope]),
      [[BIOMED, 'entitlements', false]],
      c.source,
    );
  const both = claimsFromObject(
    { ...payload, eduperson_entitlement: [BIOMED, 'urn:x'], entitlements: BIOMED },
    'payload',
  );
  t.same(
    both.entitlements.map((e) => [e.raw, e.claim]),
    [
      [BIOMED, 'eduperson_entitlement'],
      ['urn:x', 'eduperson_entitlement'],
    ],
    'union, old claim first, no duplicates',
  );
  const scoped = claimsFromObject({ iss: EGI, sub: 's', scope: `compute.create entitlements:${BIOMED}` }, 'payload');
  t.same(
    scoped.entitlements.map((e) => [e.raw, e.claim, e.fromScope]),
    [[BIOMED, 'scope', true]],
    'entitlements: scope items count as eduperson_entitlement: ones do',
  );
  t.throws(() => claimsFromObject({ iss: EGI, entitlements: [1] }, 'payload'), /entitlements.*string/);
  const file = put(scratch(), 'claims.json', JSON.stringify(payload));
  const policy = policyFile(`[rule r]\nissuer = ${EGI}\naudience_optional = yes\nvo = biomed\naccount = bio\n`);
  const r = await runMain(['explain', '-c', policy, '--claims', file]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, `${BIOMED}  (entitlements)`);
});

t.test('check-in-validator [mappings] files keep working when the claim is renamed', async (t) => {
  const cfg = `[mappings]\nbio = * ${EGI} * * ${BIOMED}\n`;
  for (const claim of ['eduperson_entitlement', 'entitlements']) {
    const r = await decide(cfg, { iss: EGI, sub: 's@egi.eu', [claim]: BIOMED });
    t.same([r.code, r.stdout], [0, 'bio\n'], claim);
  }
  const fromScope = await decide(cfg, { iss: EGI, sub: 's', scope: `eduperson_entitlement:${BIOMED}` });
  t.same([fromScope.code, fromScope.stdout], [0, 'bio\n'], 'derived from scopes when both claims are absent');
  const asserted = await decide(cfg, {
    iss: EGI,
    sub: 's',
    entitlements: ['urn:other'],
    scope: `eduperson_entitlement:${BIOMED}`,
  });
  t.equal(asserted.code, 1, 'a claim that is present wins over scope items, as the plugin does');
});

t.test('AARC-G002 without an authority: authority = * matches, a named authority does not', async (t) => {
  const e = parseEntitlement(HDF);
  t.same(e.parsed, { namespace: 'urn:geant:h-df.de', path: ['aai-admin'], role: undefined, authority: '' });
  t.notOk(parseEntitlement(`${HDF}#`).parsed, 'an empty authority after # still does not parse');
  const rule = (extra: string) =>
    `[rule r]\nissuer = ${EGI}\naudience_optional = yes\nnamespace = urn:geant:h-df.de\nvo = aai-admin\n${extra}account = hdfadmin\n`;
  const tok = { iss: EGI, sub: 's', exp: FAR, entitlements: [HDF] };
  t.equal((await decide(rule('authority = *\n'), tok)).code, 0);
  t.equal((await decide(rule(''), tok)).code, 1, 'the default (EGI) authority is named');
  t.equal((await decide(rule('authority = h-df.de\n'), tok)).code, 1);
  t.equal((await decide(rule('authority = *\n'), { ...tok, entitlements: [`${HDF}#h-df.de`] })).code, 0);
});

t.test('RFC 8141: r- and q-components are not part of equivalence; #authority stays separate', async (t) => {
  const plain = parseEntitlement('urn:mace:egi.eu:group:biomed#aai.egi.eu');
  for (const v of ['urn:mace:egi.eu:group:biomed?=x=1#aai.egi.eu', 'urn:mace:egi.eu:group:biomed?+r?=q#aai.egi.eu']) {
    const e = parseEntitlement(v);
    t.ok(sameEntitlement(e, plain, true), v);
    t.same(e.parsed?.path, ['biomed'], 'never part of the group path');
  }
  t.notOk(sameEntitlement(parseEntitlement('urn:mace:egi.eu:group:biomed#other'), plain, true), 'authority compared');
  t.ok(sameEntitlement(parseEntitlement('urn:mace:egi.eu:group:biomed#other'), plain, false), 'unless told not to');
  t.equal(parseEntitlement('not-a-urn?=x').canonical, 'not-a-urn?=x', 'only URNs have components');
  const r = await decide(
    `[rule r]\nissuer = ${EGI}\naudience_optional = yes\nentitlement = urn:mace:egi.eu:group:biomed#aai.egi.eu\naccount = bio\n`,
    { iss: EGI, sub: 's', exp: FAR, eduperson_entitlement: 'urn:mace:egi.eu:group:biomed?=lang=en#aai.egi.eu' },
  );
  t.equal(r.code, 0);
});

t.test('a required scope path that can never be granted is a load error naming the line', async (t) => {
  for (const scope of [
    'storage.read:../x',
    'storage.read:data',
    'storage.read:~/x',
    'storage.modify:/a/%2e%2e/b',
    'storage.read',
  ]) {
    const file = policyFile(
      `[rule r]\nissuer = ${EGI}\naudience_optional = yes\nscopes = compute.create ${scope}\naccount = a\n`,
    );
    const r = await runMain(['htcondor-plugin', '-c', file], {
      stdin: JSON.stringify({ iss: EGI, sub: 's', exp: FAR }),
    });
    t.equal(r.code, 2, scope);
    t.match(r.stderr, `${file}:4`);
    t.match(r.stderr, 'can never be granted');
  }
  const ok = policyFile(
    `[rule r]\nissuer = ${EGI}\naudience_optional = yes\nscopes = storage.read:/data\naccount = a\n`,
  );
  const r = await runMain(['htcondor-plugin', '-c', ok], {
    stdin: JSON.stringify({ iss: EGI, sub: 's', exp: FAR, scope: 'storage.read:/' }),
  });
  t.same([r.code, r.stdout], [0, 'a\n']);
});

t.test('SCOPE_<i> and CLAIM_scope_0 give the same entitlements (property)', async (t) => {
  const item = fc.oneof(
    fc.constantFrom('compute.create', 'openid', 'storage.read:/x'),
    fc
      .tuple(
        fc.constantFrom('eduperson_entitlement', 'eduperson_entitlement_jwt', 'entitlements'),
        fc.stringMatching(/^[a-z:=#.]{1,12}$/),
      )
      .map(([p, v]) => `${p}:urn:mace:egi.eu:group:${v}`),
  );
  fc.assert(
    fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), (items) => {
      const full = htcondorEnv({ iss: EGI, sub: 's', scope: items.join(' ') });
      const onlyPieces = Object.fromEntries(Object.entries(full).filter(([k]) => k !== 'BEARER_TOKEN_0_CLAIM_scope_0'));
      const onlyString = Object.fromEntries(Object.entries(full).filter(([k]) => !/^BEARER_TOKEN_0_SCOPE_/.test(k)));
      const ents = (env: Record<string, string>) => claimsFromEnv(env).entitlements.map((e) => e.raw);
      const want = ents(full);
      return (
        JSON.stringify(ents(onlyPieces)) === JSON.stringify(want) &&
        JSON.stringify(ents(onlyString)) === JSON.stringify(want)
      );
    }),
  );
  t.pass('same entitlements from either variable');
});
