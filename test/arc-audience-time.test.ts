// What ARC does not pass tokenmap: ARC 6 no audience (only %D), ARC 7 no times. A configured check is never
// skipped silently (ARC 6 and [audience]: refused unless arc6_unchecked), and a check tokenmap cannot do is
// neither a refusal nor reported as done (ARC 7 and exp/nbf/iat).
import t from 'tap';
import fc from 'fast-check';
import { claimsFromEnv } from '../src/claims/from-env.js';
import { claimsFromPayload } from '../src/claims/from-payload.js';
import { claimsFromSubject } from '../src/claims/from-subject.js';
import type { Claims } from '../src/claims/claims.js';
import { loadSiteConfig } from '../src/config/config.js';
import { evaluate } from '../src/engine/evaluate.js';
import { buildRuleSet, type RuleSet } from '../src/engine/rule-set.js';
import { nodeReader } from '../src/io/node-reader.js';
import { arc7Env } from './helpers/ce-env.js';
import { put, scratch } from './helpers/files.js';
import { runBin } from './helpers/run.js';

const ISS = 'https://iam.example.org/';
const CE = 'https://ce.example.org';
const POLICY = `[rule alice]\nissuer = ${ISS}\nsubject = alice\naccount = alice\n`;

function site(audience: string): { dir: string; ini: string } {
  const dir = scratch({ 'p.ini': POLICY });
  return { dir, ini: put(dir, 'tokenmap.ini', `[rules]\nsource[] = policy:p.ini\n${audience}`) };
}

/** As ARC 6 runs it: `%D` as the one argument, stdin open and never written, a daemon's environment. */
const arc6 = (ini: string, subject: string) =>
  runBin(['arc-plugin', '--config', ini, subject], { stdin: 'open', env: { PATH: '/usr/bin:/bin' } });

t.test('ARC 6 and a site [audience] gate: refused (exit 2, one line), unless arc6_unchecked = yes', async (t) => {
  const gated = site(`[audience]\naccept = ${CE}\n`);
  const r = await arc6(gated.ini, `${ISS}/alice`);
  t.equal(r.code, 2);
  t.equal(r.stdout.length, 0, 'no identity');
  t.match(r.stderr, new RegExp(`^tokenmap: ${gated.ini}: .*ARC 6 passes only <iss>/<sub> .*arc6_unchecked = yes`));
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');

  const accepted = site(`[audience]\naccept = ${CE}\narc6_unchecked = yes\n`);
  const ok = await arc6(accepted.ini, `${ISS}/alice`);
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.stdout.toString('latin1'), 'alice');

  const ungated = site('');
  t.equal((await arc6(ungated.ini, `${ISS}/alice`)).code, 0, 'no gate configured: nothing to skip');
  t.equal((await arc6(gated.ini, `${ISS}/bob`)).code, 2, 'refused before any rule, also for a subject no rule maps');
});

t.test('explain says which applies under ARC 6', async (t) => {
  for (const [audience, want] of [
    [`[audience]\naccept = ${CE}\n`, /under ARC 6 .* arc-plugin refuses every ARC 6 request/],
    [
      `[audience]\naccept = ${CE}\narc6_unchecked = yes\n`,
      /under ARC 6 .* tokens map without the site audience policy/,
    ],
  ] as const) {
    const { dir, ini } = site(audience);
    const claims = put(dir, 'c.json', JSON.stringify({ iss: ISS, sub: 'alice', aud: CE }));
    const r = await runBin(['explain', '--config', ini, '--claims', claims]);
    t.match(r.stdout.toString(), want);
  }
});

// The siblings of the ARC 6 hole: whatever the input (ARC 6 %D, ARC 7 environment, payload), a mapping
// under a site gate means the gate was evaluated and passed, or the site waived it for ARC 6 explicitly.
t.test('property: under an [audience] gate nothing maps whose audience was not accepted', async (t) => {
  const variants = ['', 'arc6_unchecked = yes\n', `missing_ok_issuers = ${ISS}\n`].map((extra) => {
    const { ini } = site(`[audience]\naccept = ${CE}\n${extra}`);
    return { extra, rules: buildRuleSet({ config: loadSiteConfig(ini, nodeReader) }, nodeReader) };
  });
  const aud = fc.option(fc.array(fc.constantFrom(CE, 'https://other.example', `${CE}/`, ''), { maxLength: 3 }), {
    nil: undefined,
  });
  const input = fc.record({
    kind: fc.constantFrom('subject', 'env', 'payload'),
    sub: fc.constantFrom('alice', 'bob', 'alice/x', ''),
    aud,
  });
  const now = Math.floor(Date.now() / 1000);
  const claimsOf = (i: { kind: string; sub: string; aud?: string[] }): Claims => {
    const payload: Record<string, unknown> = { iss: ISS, sub: i.sub, exp: now + 600, iat: now, jti: 'j' };
    if (i.aud !== undefined) payload.aud = i.aud;
    if (i.kind === 'subject') return claimsFromSubject(`${ISS}/${i.sub}`);
    if (i.kind === 'env') return claimsFromEnv(arc7Env(payload));
    return claimsFromPayload(Buffer.from(JSON.stringify(payload)));
  };
  const gateHeld = (rules: RuleSet, c: Claims) =>
    c.source === 'subject'
      ? rules.audience.arc6Unchecked
      : c.aud.includes(CE) || (!c.audPresent && rules.audience.missingOkIssuers.includes(c.iss ?? ''));
  fc.assert(
    fc.property(input, fc.constantFrom(...variants), (i, v) => {
      let c: Claims;
      try {
        c = claimsOf(i);
      } catch {
        return true; // malformed input is an error, never a mapping
      }
      const d = evaluate(v.rules, c, { now, ce: 'arc' });
      return d.result !== 'mapped' || gateHeld(v.rules, c);
    }),
    { numRuns: 500 },
  );
});

t.test('ARC 7 passes no times: not refused for lacking them, and not reported as checked', async (t) => {
  const { ini } = site(`[audience]\naccept = ${CE}\n[tokens]\ncheck = yes\n`);
  const env = arc7Env({ iss: ISS, sub: 'alice', aud: CE, jti: 'j', 'wlcg.ver': '1.0', scope: 'compute.read' });
  const r = await runBin(['arc-plugin', '--config', ini], { stdin: 'open', env: { PATH: '/usr/bin:/bin', ...env } });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout.toString('latin1'), 'alice');
  const rules = buildRuleSet({ config: loadSiteConfig(ini, nodeReader) }, nodeReader);
  const d = evaluate(rules, claimsFromEnv(env), { now: 0, describe: { signature: 'none', notes: [] } });
  t.equal(d.result, 'mapped', 'a WLCG token from ARC 7 is not refused for lacking iat/exp');
  t.match(d.token?.state, /^not checked by tokenmap/);
  t.ok(
    d.notes.some((n) => /exp, nbf and iat were not checked by tokenmap/.test(n)),
    'the decision says the times were not checked',
  );
});

t.test('explain of a token with times says ARC checks none of them in tokenmap', async (t) => {
  const { dir, ini } = site(`[audience]\naccept = ${CE}\n`);
  const now = Math.floor(Date.now() / 1000);
  const claims = put(dir, 'c.json', JSON.stringify({ iss: ISS, sub: 'alice', aud: CE, exp: now + 60, iat: now }));
  const r = await runBin(['explain', '--config', ini, '--claims', claims]);
  t.match(r.stdout.toString(), /under ARC, tokenmap checks no token times: ARC 7 passes no exp, nbf or iat/);
});

t.test('the site audience policy and a rule refuse in the same words, each naming itself', async (t) => {
  const { dir, ini } = site(`[audience]\naccept = ${CE}\n`);
  const exp = Math.floor(Date.now() / 1000) + 600;
  const claims = put(dir, 'c.json', JSON.stringify({ iss: ISS, sub: 'alice', aud: 'https://other.example', exp }));
  const r = await runBin(['explain', '--config', ini, '--claims', claims, '--json']);
  const d = JSON.parse(r.stdout.toString()) as { reason: string };
  t.equal(
    d.reason,
    'token rejected: audience ["https://other.example"] is not one the site audience policy accepts (["https://ce.example.org"])',
  );
  const ruleOnly = scratch({ 'p.ini': POLICY.replace('account', `audience = ${CE}\naccount`) });
  const c2 = put(ruleOnly, 'c.json', JSON.stringify({ iss: ISS, sub: 'alice', aud: 'https://other.example' }));
  const r2 = await runBin(['explain', '-c', `${ruleOnly}/p.ini`, '--claims', c2, '--json']);
  const trace = (JSON.parse(r2.stdout.toString()) as { trace: { why: string }[] }).trace;
  t.ok(
    trace.some(
      (s) => s.why === 'audience ["https://other.example"] is not one this rule accepts (["https://ce.example.org"])',
    ),
  );
});
