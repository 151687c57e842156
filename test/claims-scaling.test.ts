// A callout's work grows in step with its payload, whatever list claim an issuer fills: claims assembly
// ran before any bound (a search per entitlement made a 64 KiB token take half a second, a 256 KiB one
// five), and rules × scopes re-classified every scope for every rule. Not a timed test: it compares the
// CPU time of one payload with that of one sixteen times longer, in this process, through the callout's
// own main(); linear work gives at most 16, quadratic work up to 256. Property-based over the claim that
// grows and the shape of its items, so that siblings of the two known cases are found.
import t from 'tap';
import fc from 'fast-check';
import { growth } from './helpers/growth.js';
import { put, scratch } from './helpers/files.js';

const ISS = 'https://evil.example';
const dir = scratch();
// 200 rules for the token's own issuer, each wanting a storage scope and an entitlement it lacks: every
// rule is a candidate, and each looks at every scope.
const rules = Array.from(
  { length: 200 },
  (_, i) =>
    `[rule r${i}]\nissuer = ${ISS}\naudience_optional = yes\nscopes = storage.read:/data/vo${i}\n` +
    `account = vo${i}\n`,
).join('\n');
put(dir, 'policy.ini', rules);
const config = put(
  dir,
  'tokenmap.ini',
  '[rules]\nsource[] = policy:policy.ini\nsource[] = policy:egi.ini\n[tokens]\ncheck = no\n' +
    // The work is measured, not bounded: a loaded machine must not turn a slow run into a failure.
    '[limits]\nstdin_max = 4194304\ndeadline = 120\nregex_budget = 120\n',
);
put(
  dir,
  'egi.ini',
  '[mappings]\nbiomed = * https://evil.example * compute.create urn:mace:egi.eu:group:biomed:role=pilot#aai.egi.eu\n',
);

type Kind = 'eduperson_entitlement' | 'entitlements' | 'aud' | 'storage scopes' | 'scopes' | 'wlcg.groups';
const KINDS: Kind[] = ['eduperson_entitlement', 'entitlements', 'aud', 'storage scopes', 'scopes', 'wlcg.groups'];

function payload(kind: Kind, n: number, item: (i: number) => string, urn: boolean): string {
  const items = Array.from({ length: n }, (_, i) => item(i));
  const claims: Record<string, unknown> = { iss: ISS, sub: 'mallory' };
  if (kind === 'eduperson_entitlement' || kind === 'entitlements')
    claims[kind] = urn ? items.map((x) => `urn:mace:egi.eu:group:${x}:role=member#aai.egi.eu`) : items;
  else if (kind === 'aud') claims.aud = items;
  else if (kind === 'storage scopes') claims.scope = items.map((x) => `storage.read:/${x}`).join(' ');
  else if (kind === 'scopes') claims.scope = items.map((x, i) => (i % 2 ? `compute.read` : `x.${x}`)).join(' ');
  else claims['wlcg.groups'] = items.map((x) => `/${x}`);
  return JSON.stringify(claims);
}

for (const kind of KINDS)
  t.test(`${kind}: sixteen times the values cost about sixteen times the work, not 256`, async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/), fc.boolean(), async (stem, urn) => {
        const item = (i: number) => `${stem}${i.toString(36)}`;
        const argv = ['htcondor-plugin', '--config', config];
        const large = payload(kind, 6400, item, urn);
        const ratio = await growth({ argv, stdin: payload(kind, 400, item, urn) }, { argv, stdin: large });
        t.ok(ratio < 48, `${(large.length / 1024).toFixed(0)} KiB costs ${ratio.toFixed(1)}x the one 1/16 as long`);
        return ratio < 48;
      }),
      { numRuns: 3, seed: 5 },
    );
  });
