/**
 * The site's accounts on the real file system, for the CLI: ban lists read through the file reader,
 * leases in the pools' lease directories. A contended take waits at most `waitMs` for other takers (it
 * runs inside the callout's deadline). TOKENMAP_TEST_KILL_AT_STEP=N, for the test suite only, makes the
 * process kill itself with SIGKILL just before the N-th lease step, as a crash between two steps would. It
 * is armed only when the process's own environment says so too: a request to a long-lived server, whose
 * callout environment comes from its client, cannot kill the server.
 */
import { readBytes, textOf } from '../io/read-text.js';
import type { FileReader } from '../io/reader.js';
import type { Accounts } from './accounts.js';
import { banListFrom, readBanLists, type BanSource } from './ban-list.js';
import { nodeLeaseHost } from './node-lease-dir.js';
import { poolLeases } from './pool-leases.js';

export function nodeAccounts(
  reader: FileReader,
  env: Readonly<Record<string, string | undefined>>,
  waitMs: number,
  banSource: BanSource = readBanLists,
): Accounts {
  const armed = env.TOKENMAP_TEST_KILL_AT_STEP === process.env.TOKENMAP_TEST_KILL_AT_STEP;
  const killAt = armed ? Number(env.TOKENMAP_TEST_KILL_AT_STEP ?? NaN) : NaN;
  const hook = Number.isInteger(killAt)
    ? (n: number) => {
        if (n >= killAt) process.kill(process.pid, 'SIGKILL');
      }
    : undefined;
  const leases = poolLeases(nodeLeaseHost(hook));
  return {
    bans: (files) =>
      banSource(
        files,
        (f) => readBytes(reader, f, 'ban list', 'BANS_UNREADABLE'),
        (bytes, f) => banListFrom(textOf(bytes, f, 'ban list', 'BANS_UNREADABLE'), f),
      ),
    pool: (pool, claims, peek) =>
      peek ? leases.peek(pool, claims) : leases.lease(pool, claims, { now: Date.now, giveUpAtMs: Date.now() + waitMs }),
  };
}
