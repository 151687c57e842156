/**
 * The environment ARC 7 builds for a plugin from a token (shared/spec/callout-protocols.md §4.4):
 * X509_SUBJECT_NAME `<iss>/<sub>`, BEARER_TOKEN_0_{SUBJECT,ISSUER,AUDIENCE_<i>,SCOPE_<i>,GROUP_<i>}, and
 * every string or string-array claim as BEARER_TOKEN_0_CLAIM_<name>_<i>. `tokenmap test` evaluates an
 * ARC 7 case through it and claims/from-env.ts, the adapter the arc-plugin callout reads.
 */
type Payload = Readonly<Record<string, unknown>>;

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
