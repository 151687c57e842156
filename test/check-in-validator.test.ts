// check-in-validator configurations, unchanged: the behaviour tokenmap keeps and the holes it fixes
// (shared/spec/tokens.md §17). The same rules are run from stdin (HTCondor) and the environment (ARC 7).
import t from 'tap';
import { arc7Env, htcondorEnv } from './helpers/ce-env.js';
import { decide, EGI, policyFile } from './helpers/decide.js';
import { runBin, runMain } from './helpers/run.js';

const DEV = 'https://aai-dev.egi.eu/auth/realms/egi';
const MEMBER = 'urn:mace:egi.eu:group:vo.token-integration.egi.eu:role=member#aai.egi.eu';
const PILOT = 'urn:mace:egi.eu:group:vo.token-integration.egi.eu:role=pilot#aai.egi.eu';
// The plugin's own example, uncommented.
const EXAMPLE = `# Mapping Example:
[mappings]
foo=xyz@egi.eu ${DEV} * compute.create ${MEMBER}
bar=* ${DEV} * compute.create ${PILOT}

[logger]
config_path=/etc/egi-check-in-validator/logger.ini
`;
// TV-A2 of callout-protocols.md: the entitlement only as a scope item, no aud.
const TVA2 = {
  exp: 1681213287,
  iat: 1681209687,
  iss: DEV,
  sub: 'bf009c87@egi.eu',
  voperson_id: 'xyz@egi.eu',
  scope: `openid voperson_id profile email compute.create compute.read eduperson_entitlement:${MEMBER}`,
};

t.test('kept: the example configuration maps as the plugin does, from stdin and from ARC 7 environment', async (t) => {
  const file = policyFile(EXAMPLE);
  const viaStdin = await runMain(['htcondor-plugin', '-c', file], { stdin: JSON.stringify(TVA2) });
  t.equal(viaStdin.stdout, 'foo\n', 'voperson_id xyz@egi.eu and the member entitlement: foo');
  const viaArc = await runMain(['arc-plugin', '-c', file], { env: arc7Env(TVA2), stdinForbidden: true });
  t.equal(viaArc.stdout, 'foo', 'ARC: the same account, no newline, stdin never touched');
  const pilot = { ...TVA2, voperson_id: 'other@egi.eu', scope: `compute.create eduperson_entitlement:${PILOT}` };
  t.equal(
    (await runMain(['htcondor-plugin', '-c', file], { stdin: JSON.stringify(pilot) })).stdout,
    'bar\n',
    '* unique id: bar',
  );
  const viaEnv = await runMain(['htcondor-plugin', '-c', file], { stdin: '', env: htcondorEnv(pilot) });
  t.equal(viaEnv.stdout, 'bar\n', 'HTCondor environment (empty stdin)');
});

t.test('kept: no token checks in drop-in mode (an old token still maps: the CE checked it)', async (t) => {
  t.equal((await decide(EXAMPLE, TVA2)).code, 0);
});

t.test('kept: voperson_id before sub; sub when voperson_id is absent', async (t) => {
  const rules = `[mappings]\nbyvop = v@egi.eu ${EGI} * * ${MEMBER}\nbysub = s@egi.eu ${EGI} * * ${MEMBER}\n`;
  const p = { iss: EGI, sub: 's@egi.eu', eduperson_entitlement: [MEMBER] };
  t.equal((await decide(rules, { ...p, voperson_id: 'v@egi.eu' })).stdout, 'byvop\n');
  t.equal(
    (await decide(rules, { ...p, voperson_id: 'w@egi.eu' })).code,
    1,
    'voperson_id present but different: sub is not consulted',
  );
  t.equal((await decide(rules, p)).stdout, 'bysub\n');
});

t.test('kept: first rule in file order; option names lower-cased', async (t) => {
  const rules = `[mappings]\nNikoSev = * ${EGI} * * ${MEMBER}\nsecond = * ${EGI} * * ${MEMBER}\n`;
  t.equal((await decide(rules, { iss: EGI, sub: 's', eduperson_entitlement: MEMBER })).stdout, 'nikosev\n');
});

t.test('kept: ":" is a delimiter too; the "#" of the authority is not a comment', async (t) => {
  const rules = `[mappings]\nuser1 : * ${EGI} * * ${MEMBER}\n`;
  t.equal((await decide(rules, { iss: EGI, sub: 's', eduperson_entitlement: [MEMBER] })).stdout, 'user1\n');
});

t.test('kept: scope and audience fields; entitlements derived from eduperson_entitlement_jwt: scopes', async (t) => {
  const rules = `[mappings]\nu = * ${EGI} ce.example.org:9619 compute.cancel ${MEMBER}\n`;
  const p = {
    iss: EGI,
    sub: 's',
    aud: 'ce.example.org:9619',
    scope: `compute.cancel eduperson_entitlement_jwt:${MEMBER}`,
  };
  t.equal((await decide(rules, p)).stdout, 'u\n');
  t.equal(
    (await decide(rules, { ...p, scope: `compute.create eduperson_entitlement_jwt:${MEMBER}` })).code,
    1,
    'scope not held',
  );
});

t.test('kept: neither entitlements nor scopes is a decline', async (t) => {
  t.equal((await decide(`[mappings]\nu = * ${EGI} * * ${MEMBER}\n`, { iss: EGI, sub: 's' })).code, 1);
});

t.test('fixed: a string entitlement is one value, never a substring', async (t) => {
  const rules = `[mappings]\nu = * ${EGI} * * urn:mace:egi.eu:group:vo.example\n`;
  const p = {
    iss: EGI,
    sub: 's',
    eduperson_entitlement: 'urn:mace:egi.eu:group:vo.example.org:role=member#aai.egi.eu',
  };
  t.equal((await decide(rules, p)).code, 1, 'the plugin maps this (authorization bypass); tokenmap does not');
  t.equal(
    (await decide(rules.replace('vo.example\n', 'vo.example.org:role=member#aai.egi.eu\n'), p)).stdout,
    'u\n',
    'the exact value maps',
  );
});

t.test('fixed: a rule audience matches any element of a list aud; no aud matches only *', async (t) => {
  const rules = `[mappings]\nu = * ${EGI} https://ce.example.org * ${MEMBER}\n`;
  const p = { iss: EGI, sub: 's', eduperson_entitlement: [MEMBER] };
  t.equal((await decide(rules, { ...p, aud: ['a', 'https://ce.example.org'] })).stdout, 'u\n');
  const arc = await runMain(['arc-plugin', '-c', policyFile(rules)], {
    env: arc7Env({ ...p, aud: ['a', 'https://ce.example.org'] }),
    stdinForbidden: true,
  });
  t.equal(arc.stdout, 'u', 'also from the environment, where the plugin saw only element 0');
  t.equal((await decide(rules, p)).code, 1);
});

t.test('fixed: only a leading eduperson_entitlement: prefix derives an entitlement', async (t) => {
  const rules = `[mappings]\nu = * ${EGI} * * ${MEMBER}\n`;
  t.equal((await decide(rules, { iss: EGI, sub: 's', scope: `x-eduperson_entitlement:${MEMBER}` })).code, 1);
});

t.test('fixed: an asserted entitlement claim wins; scope items are used only when it is absent or empty', async (t) => {
  const rules = `[mappings]\nu = * ${EGI} * * ${MEMBER}\n`;
  const scope = `compute.create eduperson_entitlement:${MEMBER}`;
  t.equal(
    (
      await decide(rules, {
        iss: EGI,
        sub: 's',
        scope,
        eduperson_entitlement: ['urn:mace:egi.eu:group:other#aai.egi.eu'],
      })
    ).code,
    1,
  );
  t.equal((await decide(rules, { iss: EGI, sub: 's', scope, eduperson_entitlement: [] })).stdout, 'u\n');
});

const broken: [string, string, RegExp][] = [
  ['four fields', `[mappings]\nu = * ${EGI} * ${MEMBER}\n`, /policy\.ini:2: mappings \/ u must match pattern/],
  ['a double space', `[mappings]\nu = *  ${EGI} * * ${MEMBER}\n`, /policy\.ini:2: mappings \/ u must match pattern/],
  ['* as issuer', `[mappings]\nu = * * * * ${MEMBER}\n`, /policy\.ini:2: u: the issuer cannot be \*/],
  ['* as group', `[mappings]\nu = * ${EGI} * * *\n`, /policy\.ini:2: u: the group cannot be \*/],
  [
    'a duplicate option (after lower-casing)',
    `[mappings]\nu = * ${EGI} * * ${MEMBER}\nU = * ${EGI} * * ${MEMBER}\n`,
    /policy\.ini:3: duplicate option "u"/,
  ],
  ['a duplicate section', `[mappings]\n[mappings]\n`, /policy\.ini:2: duplicate section \[mappings\]/],
  ['[DEFAULT]', `[DEFAULT]\nu = * ${EGI} * * ${MEMBER}\n[mappings]\n`, /policy\.ini:1: \[DEFAULT\]/],
  [
    'a continuation line',
    `[mappings]\nu = * ${EGI} * *\n  ${MEMBER}\n`,
    /policy\.ini:3: indented line continues the value of "u"/,
  ],
  [
    '%(name)s interpolation',
    `[mappings]\nu = * %(iss)s * * ${MEMBER}\n`,
    /policy\.ini:2: %\(name\)s interpolation is not supported/,
  ],
  ['a line before any section', `u = * ${EGI} * * ${MEMBER}\n`, /policy\.ini:1: line before any \[section\] header/],
];
for (const [what, text, re] of broken) {
  t.test(`fixed: a broken configuration (${what}) is exit 2 naming the line, never a decline`, async (t) => {
    const r = await decide(text, { iss: EGI, sub: 's', eduperson_entitlement: [MEMBER] });
    t.equal(r.code, 2);
    t.match(r.stderr, re);
  });
}

t.test('fixed: %% is a literal %, another % is literal too (configparser would crash)', async (t) => {
  const ent = 'urn:mace:egi.eu:group:vo%2Fx:role=member#aai.egi.eu';
  const r = await decide(
    `[mappings]\nu = * ${EGI} * * urn:mace:egi.eu:group:vo%%2Fx:role=member#aai.egi.eu\nv = * ${EGI} * * ${ent}\n`,
    { iss: EGI, sub: 's', eduperson_entitlement: ent },
  );
  t.equal(r.stdout, 'u\n');
});

t.test('fixed: a missing configuration file is exit 2, and no default file is consulted', async (t) => {
  const r = await runBin(['htcondor-plugin', '-c', '/nonexistent/egi-check-in-validator.ini'], {
    stdin: JSON.stringify(TVA2),
  });
  t.equal(r.code, 2);
  t.match(r.stderr, /nonexistent\/egi-check-in-validator\.ini: cannot read policy file \(ENOENT/);
});

t.test('fixed: ARC gets no trailing newline, and an ARC timeout of 5 s is not eaten by stdin', async (t) => {
  const r = await runBin(['arc-plugin', '-c', policyFile(EXAMPLE)], { stdin: 'open', env: arc7Env(TVA2) });
  t.equal(r.code, 0);
  t.same([...r.stdout], [...Buffer.from('foo')]);
  t.ok(r.ms < 3000, `answered in ${r.ms} ms with stdin open`);
});
