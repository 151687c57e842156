/**
 * The pools of a RuleSet: those of the site configuration and of every policy file it reads, by name.
 * Checked when the rules are built, so that a callout never meets a broken pool: a name defined twice, two
 * pools on one lease directory (their leaseholders would collide), a pool account or group that the
 * identity checks refuse, a rule that maps to a pool nobody defines.
 */
import type { PoolDef } from '../accounts/pool-def.js';
import { formatPos, TokenmapError } from '../errors.js';
import type { PolicyFile } from '../policy/parse.js';
import { accountRefusal, type IdentityPolicy } from './identity.js';

export function collectPools(
  defined: readonly PoolDef[],
  files: readonly PolicyFile[],
  identity: IdentityPolicy,
): ReadonlyMap<string, PoolDef> {
  const pools = new Map<string, PoolDef>();
  const dirs = new Map<string, PoolDef>();
  for (const p of [...defined, ...files.flatMap((f) => [...f.pools.values()])]) {
    const code = defined.includes(p) ? 'CONFIG_INVALID' : 'POLICY_INVALID';
    const twice = pools.get(p.name);
    if (twice && twice !== p)
      throw new TokenmapError(code, `pool ${p.name} is defined twice (also at ${formatPos(twice.pos)})`, p.pos);
    const shared = dirs.get(p.leaseDir.replace(/\/+$/, ''));
    if (shared && shared !== p)
      throw new TokenmapError(
        code,
        `pools ${shared.name} and ${p.name} share the lease directory ${p.leaseDir}: give each pool its own`,
        p.pos,
      );
    for (const name of [...p.accounts, ...(p.group ? [p.group] : [])]) {
      const refusal = accountRefusal(name, identity);
      if (refusal) throw new TokenmapError(code, `[pool ${p.name}] ${refusal}`, p.pos);
    }
    pools.set(p.name, p);
    dirs.set(p.leaseDir.replace(/\/+$/, ''), p);
  }
  for (const f of files)
    for (const r of f.rules)
      if (r.kind === 'native' && 'pool' in r.result && !pools.has(r.result.pool))
        throw new TokenmapError(
          'POLICY_INVALID',
          `[rule ${r.name}] maps to pool ${JSON.stringify(r.result.pool)}, ` +
            `which no [pool ${r.result.pool}] section defines`,
          r.pos,
        );
  return pools;
}
