// The service's ban list cache (serve/ban-cache.ts) keeps a parsed list only once its file has settled:
// a list changed less than FRESH_MS ago is parsed again on the next decision, since a second edit within
// the file system's time stamp granularity could keep the same signature; a settled one is parsed once,
// until its signature changes.
import t from 'tap';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BanCache, FRESH_MS } from '../src/serve/ban-cache.js';
import { parseBanList } from '../src/accounts/ban-list.js';
import { scratch } from './helpers/files.js';

const file = join(scratch(), 'bans.txt');
writeFileSync(file, 'jti one\n');
const changed = Number(statSync(file, { bigint: true }).ctimeNs / 1_000_000n);

function reads(now: number, lookups: number): number {
  let n = 0;
  const cache = new BanCache(() => now);
  const read = (f: string) => (n++, parseBanList('jti one\n', f).list);
  for (let i = 0; i < lookups; i++) cache.source([file], read);
  return n;
}

t.equal(reads(changed + FRESH_MS / 2, 3), 3, 'changed just now: parsed on every decision');
t.equal(reads(changed + FRESH_MS * 2, 3), 1, 'settled: parsed once');
t.test('a changed file is parsed again', async (t) => {
  let n = 0;
  const cache = new BanCache(() => Date.now() + FRESH_MS * 2);
  const read = (f: string) => (n++, parseBanList('jti one\n', f).list);
  cache.source([file], read);
  writeFileSync(file, 'jti two\n');
  cache.source([file], read);
  t.equal(n, 2);
});
