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

export function arc7Env(payload: Payload, dn?: string): Record<string, string> {
  const env: Record<string, string> = {};
  const p = payload;
  const set = (k: string, v: string | undefined) => v !== undefined && v !== '' && (env[k] = v);
  set('X509_SUBJECT_NAME', dn ?? `${p.iss}/${p.sub}`);
  set('BEARER_TOKEN_0_SUBJECT', typeof p.sub === 'string' ? p.sub : undefined);
  set('BEARER_TOKEN_0_ISSUER', typeof p.iss === 'string' ? p.iss : undefined);
  const aud =
    typeof p.aud === 'string' ? [p.aud] : Array.isArray(p.aud) ? p.aud.filter((x) => typeof x === 'string') : [];
  aud.forEach((a, i) => set(`BEARER_TOKEN_0_AUDIENCE_${i}`, a as string));
  const scope = typeof p.scope === 'string' ? p.scope : Array.isArray(p.scope) ? p.scope[0] : undefined;
  if (typeof scope === 'string')
    scope
      .split(' ')
      .filter(Boolean)
      .forEach((s, i) => set(`BEARER_TOKEN_0_SCOPE_${i}`, s));
  const groups = p['wlcg.groups'];
  (typeof groups === 'string' ? [groups] : Array.isArray(groups) ? groups : []).forEach((g, i) =>
    set(`BEARER_TOKEN_0_GROUP_${i}`, String(g)),
  );
  for (const name of Object.keys(p).sort()) {
    const v = p[name];
    if (typeof v === 'string') set(`BEARER_TOKEN_0_CLAIM_${name}_0`, v);
    else if (Array.isArray(v))
      v.filter((x) => typeof x === 'string').forEach((x, i) => set(`BEARER_TOKEN_0_CLAIM_${name}_${i}`, x as string));
  }
  return env;
}
