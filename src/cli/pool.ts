/**
 * `tokenmap pool list|release|expire [--config FILE] [POOL]`: the site admin's view of the pool leases
 * every CE shares. `list` shows who holds which account since when; `release POOL WHO...` removes the
 * leases of a holder (its `~…` entry, as `list` shows it) or of an account; `expire` removes leases
 * unused for lease_days, leases whose account left the pool, and what dead takers left. Text or --json.
 */
import { describeHolder } from '../accounts/holder-name.js';
import { printable } from '../bytes.js';
import { expirePool, type ExpireReport } from '../accounts/lease-expiry.js';
import { nodeLeaseHost } from '../accounts/node-lease-dir.js';
import type { PoolDef } from '../accounts/pool-def.js';
import { poolLeases } from '../accounts/pool-leases.js';
import { listPool, releaseLeases, type PoolTable } from '../accounts/pool-table.js';
import { loadSiteConfig, resolveConfigPath } from '../config/config.js';
import { buildRuleSet } from '../engine/rule-set.js';
import { TokenmapError } from '../errors.js';
import { nodeReader } from '../io/node-reader.js';
import { parseTime } from './explain.js';
import { EXIT_NO, EXIT_OK } from './fail.js';
import type { CliIo } from '../io/cli-io.js';

export interface PoolOptions {
  config?: string;
  json?: boolean;
  at?: string;
}

const ACTIONS = ['list', 'release', 'expire'] as const;

/** Every pool the site defines: in the configuration and in the policies it reads. */
function sitePools(opts: PoolOptions, io: CliIo): ReadonlyMap<string, PoolDef> {
  return buildRuleSet({ config: loadSiteConfig(resolveConfigPath(opts.config, io.env), nodeReader) }, nodeReader).pools;
}

/** Attacker-chosen text (a token's iss or sub) as one quoted string, safe on a terminal. */
const quote = (s: string) => printable(JSON.stringify(s));

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function holderText(pool: PoolDef, holder: string): string {
  const d = describeHolder(holder.split('++')[0] as string);
  const fields = pool.key.map((k, i) => `${k}=${quote(d.fields[i] ?? '')}`).join(' ');
  return d.hashed ? `${fields}... (long key, hashed)` : fields;
}

function tableJson(pool: PoolDef, t: PoolTable) {
  return {
    pool: pool.name,
    lease_dir: pool.leaseDir,
    lease_days: pool.leaseDays,
    accounts: t.total,
    leased: new Set(t.leases.filter((l) => l.account).map((l) => l.account)).size,
    leases: t.leases.map((l) => {
      const d = describeHolder(l.holder.split('++')[0] as string);
      return {
        account: l.account,
        holder: l.holder,
        key: Object.fromEntries(pool.key.map((k, i) => [k, d.fields[i] ?? ''])),
        key_hashed: d.hashed,
        state: l.state,
        since: iso(l.sinceMs),
        last_used: iso(l.lastUsedMs),
      };
    }),
    in_progress: t.transients.map((x) => ({ entry: x.name, kind: x.kind, started: iso(x.atMs), stale: x.stale })),
    doubly_held: t.doublyHeld,
  };
}

function tableText(pool: PoolDef, t: PoolTable): string {
  const j = tableJson(pool, t);
  const lines = [
    `pool ${pool.name}: ${j.leased} of ${t.total} leased, lease_days ${pool.leaseDays || 'never'}, ${pool.leaseDir}`,
  ];
  for (const l of t.leases)
    lines.push(
      `  ${(l.account ?? '?').padEnd(12)} ${l.state.padEnd(7)} since ${iso(l.sinceMs) ?? '?'}  ` +
        `last used ${iso(l.lastUsedMs)}  ${holderText(pool, l.holder)}`,
    );
  for (const x of t.transients)
    lines.push(
      `  in progress: ${x.name} (${x.kind}, started ${iso(x.atMs)}${x.stale ? ', stale: pool expire removes it' : ''})`,
    );
  for (const a of t.doublyHeld) lines.push(`  WARNING: ${a} has more than one holder entry`);
  return lines.join('\n') + '\n';
}

function expireText(pool: PoolDef, r: ExpireReport): string {
  const lines = [`pool ${pool.name}: ${r.expired.length} leases removed, ${r.swept.length} leftovers cleaned`];
  for (const e of r.expired)
    lines.push(`  ${e.why} ${e.account ?? '?'} last used ${iso(e.lastUsedMs)}  ${holderText(pool, e.holder)}`);
  for (const s of r.swept) lines.push(`  cleaned ${s.name}`);
  return lines.join('\n') + '\n';
}

export async function runPool(args: string[], opts: PoolOptions, io: CliIo): Promise<number> {
  const [action, name, ...who] = args;
  if (!(ACTIONS as readonly string[]).includes(action ?? ''))
    throw new TokenmapError('USAGE', `pool: unknown action ${quote(action ?? '')} (list, release or expire)`);
  const nowMs = opts.at ? parseTime(opts.at) : io.now();
  const pools = sitePools(opts, io);
  if (name !== undefined && !pools.has(name))
    throw new TokenmapError(
      'USAGE',
      `pool: no pool ${quote(name)} in this configuration (${[...pools.keys()].join(', ') || 'none defined'})`,
    );
  const chosen = name === undefined ? [...pools.values()] : [pools.get(name) as PoolDef];
  const leases = poolLeases(nodeLeaseHost());

  if (action === 'release') {
    const pool = chosen[0];
    if (name === undefined || !pool || who.length === 0)
      throw new TokenmapError(
        'USAGE',
        'pool release POOL WHO...: name the pool, then accounts or holder entries (~...)',
      );
    const released = who.flatMap((w) => leases.run(pool, () => releaseLeases(pool, w)));
    io.out(
      opts.json
        ? JSON.stringify({ pool: pool.name, released }) + '\n'
        : released.map((h) => `released ${holderText(pool, h)} (${h})\n`).join('') || 'nothing to release\n',
    );
    return released.length ? EXIT_OK : EXIT_NO;
  }

  const out: unknown[] = [];
  let text = '';
  for (const pool of chosen) {
    if (action === 'list') {
      const t = leases.run(pool, () => listPool(pool, nowMs));
      out.push(tableJson(pool, t));
      text += tableText(pool, t);
    } else {
      const r = leases.run(pool, (tag) => expirePool(pool, { nowMs, tag, leaseDays: pool.leaseDays }));
      out.push({
        pool: pool.name,
        removed: r.expired.map((e) => ({ ...e, last_used: iso(e.lastUsedMs) })),
        cleaned: r.swept.map((s) => s.name),
      });
      text += expireText(pool, r);
    }
  }
  io.out(opts.json ? JSON.stringify({ pools: out }, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) + '\n' : text);
  return EXIT_OK;
}
