// Native [rule NAME] conditions, one at a time: each must hold for the rule to map.
import t from 'tap';
import { decide, EGI, FAR } from './helpers/decide.js';

const IAM = 'https://wlcg.cloud.cnaf.infn.it/';
const base = {
  iss: IAM,
  sub: 'e83eec5a',
  aud: 'https://ce.example.org',
  scope: 'compute.create compute.read',
  'wlcg.groups': ['/wlcg', '/wlcg/pilots'],
  'wlcg.ver': '1.0',
  exp: FAR,
  iat: 1700000000,
};
const rule = (body: string) => `[rule r]\nissuer = ${IAM}\n${body}\naccount = mapped\n`;

interface Case {
  name: string;
  body: string;
  payload?: Record<string, unknown>;
  expect: 0 | 1 | 2;
}

const cases: Case[] = [
  { name: 'issuer alone (with an audience)', body: 'audience = https://ce.example.org', expect: 0 },
  {
    name: 'issuer differs by a trailing slash',
    body: 'audience = https://ce.example.org',
    payload: { ...base, iss: IAM.slice(0, -1) },
    expect: 1,
  },
  { name: 'subject any of', body: 'subject = x e83eec5a\naudience = https://ce.example.org', expect: 0 },
  { name: 'subject not listed', body: 'subject = x y\naudience = https://ce.example.org', expect: 1 },
  {
    name: 'voperson_id',
    body: 'voperson_id = v@egi.eu\naudience = https://ce.example.org',
    payload: { ...base, voperson_id: 'v@egi.eu' },
    expect: 0,
  },
  { name: 'voperson_id absent', body: 'voperson_id = v@egi.eu\naudience = https://ce.example.org', expect: 1 },
  {
    name: 'audience: any element of an aud array',
    body: 'audience = ce.example.org:9619',
    payload: { ...base, aud: ['x', 'ce.example.org:9619'] },
    expect: 0,
  },
  {
    name: 'audience: condor:// form',
    body: 'audience = condor://ce.example.org:9619',
    payload: { ...base, aud: 'condor://ce.example.org:9619' },
    expect: 0,
  },
  {
    name: 'audience: no URL normalisation (trailing slash)',
    body: 'audience = https://ce.example.org',
    payload: { ...base, aud: 'https://ce.example.org/' },
    expect: 1,
  },
  {
    name: 'audience: case counts',
    body: 'audience = https://ce.example.org',
    payload: { ...base, aud: 'https://CE.example.org' },
    expect: 1,
  },
  {
    name: 'audience: WLCG any refused unless allowed',
    body: 'audience = https://ce.example.org',
    payload: { ...base, aud: 'https://wlcg.cern.ch/jwt/v1/any' },
    expect: 1,
  },
  {
    name: 'audience: WLCG any allowed by the rule',
    body: 'audience = https://ce.example.org\nany_audience = yes',
    payload: { ...base, aud: 'https://wlcg.cern.ch/jwt/v1/any' },
    expect: 0,
  },
  {
    name: 'audience: ANY is not an any value on a WLCG token',
    body: 'audience = https://ce.example.org\nany_audience = yes',
    payload: { ...base, aud: 'ANY' },
    expect: 1,
  },
  {
    name: 'audience: ANY on a SciTokens 2.0 token where allowed',
    body: 'audience = https://ce.example.org\nany_audience = yes',
    payload: { iss: IAM, sub: 's', ver: 'scitoken:2.0', aud: 'ANY', scope: 'compute.create' },
    expect: 0,
  },
  {
    name: 'audience: missing is refused by default',
    body: 'audience = https://ce.example.org',
    payload: { iss: IAM, sub: 's' },
    expect: 1,
  },
  {
    name: 'audience: missing accepted where the rule says so',
    body: 'audience_optional = yes',
    payload: { iss: IAM, sub: 's' },
    expect: 0,
  },
  { name: 'audience: none configured anywhere refuses a token that has one', body: '', expect: 1 },
  {
    name: 'scopes: all required',
    body: 'audience = https://ce.example.org\nscopes = compute.create compute.read',
    expect: 0,
  },
  {
    name: 'scopes: one missing',
    body: 'audience = https://ce.example.org\nscopes = compute.create compute.cancel',
    expect: 1,
  },
  {
    name: 'scopes: a TAB is not a separator in the token',
    body: 'audience = https://ce.example.org\nscopes = compute.create',
    payload: { ...base, scope: 'compute.create\tcompute.read' },
    expect: 1,
  },
  {
    name: 'scopes: a compute scope with a path is not a capability',
    body: 'audience = https://ce.example.org\nscopes = compute.create',
    payload: { ...base, scope: 'compute.create:/x' },
    expect: 1,
  },
  { name: 'groups: exact membership', body: 'audience = https://ce.example.org\ngroups = /wlcg/pilots', expect: 0 },
  {
    name: 'groups: a parent is not implied',
    body: 'audience = https://ce.example.org\ngroups = /wlcg/pilots',
    payload: { ...base, 'wlcg.groups': ['/wlcg/pilots/sub'] },
    expect: 1,
  },
  {
    name: 'groups: a subgroup does not give the parent',
    body: 'audience = https://ce.example.org\ngroups = /wlcg',
    payload: { ...base, 'wlcg.groups': ['/wlcg/pilots'] },
    expect: 1,
  },
  { name: 'groups: case-sensitive', body: 'audience = https://ce.example.org\ngroups = /WLCG', expect: 1 },
  {
    name: 'groups: entries breaking the grammar are ignored',
    body: 'audience = https://ce.example.org\ngroups = /wlcg/',
    payload: { ...base, 'wlcg.groups': ['/wlcg/'] },
    expect: 1,
  },
  { name: 'deny: exit 2 (a ban)', body: 'audience = https://ce.example.org\ndeny = compromised client', expect: 2 },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const body = c.body;
    const text = c.expect === 2 ? `[rule r]\nissuer = ${IAM}\n${body}\n` : rule(body);
    const r = await decide(text, c.payload ?? base);
    t.equal(r.code, c.expect, r.stderr);
    if (c.expect === 0) t.equal(r.stdout, 'mapped\n');
    else t.equal(r.stdout, '');
  });
}

t.test('first matching rule wins, in file order; rules for other issuers are never consulted', async (t) => {
  const text = `[rule other]\nissuer = ${EGI}\naudience_optional = yes\naccount = egi\n[rule first]\nissuer = ${IAM}\naudience = https://ce.example.org\naccount = first\n[rule second]\nissuer = ${IAM}\naudience = https://ce.example.org\naccount = second\n`;
  t.equal((await decide(text, base)).stdout, 'first\n');
});

t.test('a rule with a group maps to user and prints only the user to HTCondor', async (t) => {
  const r = await decide(rule('audience = https://ce.example.org\ngroup = wlcg'), base);
  t.equal(r.stdout, 'mapped\n');
});

t.test('a pool whose lease directory is missing fails the decision, naming it', async (t) => {
  const r = await decide(
    `[rule r]\nissuer = ${IAM}\naudience = https://ce.example.org\npool = pilots\n[pool pilots]\naccounts = p001 p002\nlease_dir = /nonexistent\n`,
    base,
  );
  t.equal(r.code, 2);
  t.match(r.stderr, /^tokenmap: \/nonexistent: pool pilots: the lease directory does not exist/);
});
