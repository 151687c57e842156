/**
 * The environment HTCondor and ARC 7 build for a plugin from a token payload, by the rules of
 * shared/spec/callout-protocols.md §3.5 and §4.4: claims in key order, strings and arrays only, the
 * audience variables that differ between the two CEs.
 */
type Payload = Record<string, unknown>;

export function htcondorEnv(payload: Payload): Record<string, string> {
  const env: Record<string, string> = {};
  const p = payload;
  if (typeof p.iss === 'string') env.BEARER_TOKEN_0_ISSUER = p.iss;
  if (typeof p.sub === 'string') env.BEARER_TOKEN_0_SUBJECT = p.sub;
  for (const name of Object.keys(p).sort()) {
    const v = p[name];
    if (typeof v === 'string') env[`BEARER_TOKEN_0_CLAIM_${name}_0`] = v;
    else if (Array.isArray(v)) v.forEach((x, i) => (env[`BEARER_TOKEN_0_CLAIM_${name}_${i}`] = String(x)));
  }
  if (typeof p.aud === 'string') env.BEARER_TOKEN_0_AUDIENCE = p.aud;
  else if (Array.isArray(p.aud) && p.aud.length) env.BEARER_TOKEN_0_AUDIENCE = String(p.aud[0]);
  if (typeof p.scope === 'string')
    p.scope
      .split(' ')
      .map((s) => s.trim())
      .filter(Boolean)
      .forEach((s, i) => (env[`BEARER_TOKEN_0_SCOPE_${i}`] = s));
  if (Array.isArray(p['wlcg.groups']))
    (p['wlcg.groups'] as unknown[]).forEach((g, i) => (env[`BEARER_TOKEN_0_GROUP_${i}`] = String(g)));
  return env;
}

// ARC 7's environment is built by the same code the fixture runner (`tokenmap test`) uses.
export { arc7Env } from '../../src/claims/arc7-env.js';
