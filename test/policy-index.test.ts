// The issuer and entitlement index of the callout path decides exactly what a full scan in file order
// decides (explain scans every rule).
import t from 'tap';
import { claimsFromObject } from '../src/claims/from-payload.js';
import { evaluate } from '../src/engine/evaluate.js';
import { buildRuleSet } from '../src/engine/rule-set.js';
import { fullTracer } from '../src/engine/trace.js';
import { nodeReader } from '../src/io/node-reader.js';
import { policyFile } from './helpers/decide.js';

const EGI = 'https://aai.egi.eu/auth/realms/egi';
const ent = (vo: number, role: string, auth = 'aai.egi.eu') => `urn:mace:egi.eu:group:vo${vo}:role=${role}#${auth}`;

let text = '[mappings]\n';
for (let i = 0; i < 20; i++)
  text += `m${i} = * ${EGI} * ${i % 2 ? 'compute.create' : '*'} ${ent(i % 7, i % 3 ? 'member' : 'pilot')}\n`;
for (let i = 0; i < 20; i++)
  text += `[rule vo${i}]\nissuer = ${EGI}\nvo = vo${i % 7}\n${i % 2 ? 'role = pilot\n' : ''}audience_optional = yes\naccount = v${i}\n`;
for (let i = 0; i < 10; i++)
  text += `[rule full${i}]\nissuer = ${EGI}\nentitlement = ${ent(i % 7, 'member', i % 2 ? 'aai.egi.eu' : 'x')}\ncompare_authority = ${i % 3 ? 'yes' : 'no'}\naudience_optional = yes\naccount = f${i}\n`;
for (let i = 0; i < 5; i++)
  text += `[rule open${i}]\nissuer = ${EGI}\nsubject = s${i}@egi.eu\naudience_optional = yes\naccount = o${i}\n`;

t.test('indexed and scanned evaluation agree on 2,000 generated tokens', async (t) => {
  const rules = buildRuleSet({ flags: [{ kind: 'policy', path: policyFile(text) }] }, nodeReader);
  let disagreements = 0;
  let mapped = 0;
  for (let i = 0; i < 2000; i++) {
    const ents = Array.from({ length: i % 4 }, (_, k) =>
      ent((i * 3 + k) % 9, ['member', 'pilot', 'x'][(i + k) % 3] as string, k % 2 ? 'aai.egi.eu' : 'x'),
    );
    const payload: Record<string, unknown> = {
      iss: EGI,
      sub: `s${i % 8}@egi.eu`,
      scope: i % 5 ? 'compute.create' : 'compute.read',
    };
    if (i % 6 === 0) payload.scope += ents.map((e) => ` eduperson_entitlement:${e}`).join('');
    else payload.eduperson_entitlement = ents;
    const c = claimsFromObject(payload, 'payload');
    const fast = evaluate(rules, c, { now: 0 });
    const full = evaluate(rules, c, { now: 0, tracer: fullTracer() });
    if (fast.result === 'mapped') mapped++;
    if (fast.result !== full.result || fast.rule !== full.rule) disagreements++;
  }
  t.equal(disagreements, 0);
  t.ok(mapped > 200 && mapped < 1900, `a mix of outcomes (${mapped} mapped)`);
});
