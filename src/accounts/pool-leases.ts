/**
 * The accounts service the engine asks for a pool account: the leaseholder's key from the claims, the
 * lease protocol run on the pool's directory, a file-system failure turned into one typed error that
 * names the entry. It keeps no state between calls, so one instance serves a callout or a long-lived
 * server alike; the executor (which directory, which file system) is injected.
 */
import type { Claims } from '../claims/claims.js';
import { TokenmapError } from '../errors.js';
import { holderName } from './holder-name.js';
import type { PoolAnswer } from './accounts.js';
import { keyValues } from './lease-key.js';
import { uniqueTag } from './lease-names.js';
import { LeaseIoError, runSteps, type LeaseOp, type LeaseResult, type LeaseSteps } from './lease-ops.js';
import { peekLease, takeLease } from './lease-protocol.js';
import type { PoolDef } from './pool-def.js';

export interface PoolLeases {
  lease(pool: PoolDef, claims: Claims, clock: { now: () => number; giveUpAtMs: number }): PoolAnswer;
  peek(pool: PoolDef, claims: Claims): PoolAnswer;
  /** Runs any lease steps (pool list, release, expire) on a pool's directory. */
  run<T>(pool: PoolDef, steps: (tag: string) => LeaseSteps<T>): T;
}

export interface LeaseHost {
  /** The executor for one lease directory. */
  executor(dir: string): (op: LeaseOp) => LeaseResult;
  /** Why a step in `dir` failed with ENOENT when the directory itself may be missing, or null. */
  missingDir(dir: string): string | null;
  host: () => string;
  pid: number;
  random: () => number;
}

const entryOf = (op: LeaseOp) => ('name' in op ? op.name : 'from' in op ? op.to : '');

export function poolLeases(env: LeaseHost): PoolLeases {
  const run = <T>(pool: PoolDef, steps: (tag: string) => LeaseSteps<T>): T => {
    try {
      return runSteps(steps(uniqueTag(env.host(), env.pid, env.random())), env.executor(pool.leaseDir));
    } catch (e) {
      if (!(e instanceof LeaseIoError)) throw e;
      const missing = e.errno === 'ENOENT' ? env.missingDir(pool.leaseDir) : null;
      if (missing)
        throw new TokenmapError('POOL_IO', `pool ${pool.name}: ${missing}`, { file: pool.leaseDir, line: 0 });
      const entry = entryOf(e.op);
      throw new TokenmapError('POOL_IO', `pool ${pool.name}: ${e.op.op} failed (${e.message})`, {
        file: entry ? `${pool.leaseDir}/${entry}` : pool.leaseDir,
        line: 0,
      });
    }
  };
  return {
    run,
    lease(pool, claims, clock) {
      const key = keyValues(pool.key, claims);
      if ('missing' in key) return { result: 'no-key', missing: key.missing };
      const holder = holderName(key.values);
      const outcome = run(pool, (tag) =>
        takeLease({ pool, holder, now: clock.now, tag, random: env.random, giveUpAtMs: clock.giveUpAtMs }),
      );
      return { ...outcome, holder };
    },
    peek(pool, claims) {
      const key = keyValues(pool.key, claims);
      if ('missing' in key) return { result: 'no-key', missing: key.missing };
      const holder = holderName(key.values);
      return { ...run(pool, () => peekLease({ pool, holder })), holder };
    },
  };
}
