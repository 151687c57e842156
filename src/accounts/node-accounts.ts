/**
 * The site's accounts on the real file system, for the CLI: ban lists read through the file reader,
 * leases in the pools' lease directories. A contended take waits at most `waitMs` for other takers (it
 * runs inside the callout's deadline). TOKENMAP_TEST_KILL_AT_STEP=N, for the test suite only, makes the
 * process kill itself with SIGKILL just before the N-th lease step, as a crash between two steps would.
 */
import { readText } from '../io/read-text.js';
import type { FileReader } from '../io/reader.js';
import type { Accounts } from './accounts.js';
import { readBanLists } from './ban-list.js';
import { nodeLeaseHost } from './node-lease-dir.js';
import { poolLeases } from './pool-leases.js';

export function nodeAccounts(
  reader: FileReader,
  env: Readonly<Record<string, string | undefined>>,
  waitMs: number,
): Accounts {
  const killAt = Number(env.TOKENMAP_TEST_KILL_AT_STEP ?? NaN);
  const hook = Number.isInteger(killAt)
    ? (n: number) => {
        if (n >= killAt) process.kill(process.pid, 'SIGKILL');
      }
    : undefined;
  const leases = poolLeases(nodeLeaseHost(hook));
  return {
    bans: (files) => readBanLists(files, (f) => readText(reader, f, 'ban list', 'BANS_UNREADABLE')),
    pool: (pool, claims, peek) =>
      peek ? leases.peek(pool, claims) : leases.lease(pool, claims, { now: Date.now, giveUpAtMs: Date.now() + waitMs }),
  };
}
