// tokenmap serve parses a ban list again only when the file changed (serve/ban-cache.ts), so that a long
// revocation list is not parsed on every decision. A ban must still act on the very next decision: edits
// that keep the file's size (a subject swapped for another of the same length), made at once or after the
// file has settled and been kept, each decide the next callout, on the main thread (a small request) and
// in the evaluator thread (a large one) alike. Property-based over the sequence of edits and pauses.
import t from 'tap';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { runCallout, startService } from './helpers/service.js';
import { FRESH_MS } from '../src/serve/ban-cache.js';

t.setTimeout(300_000);

const ISS = 'https://iss.example';
const dir = scratch();
put(dir, 'condor_mapfile', `SCITOKENS "${ISS},alice" alice\n`);
const bans = join(dir, 'bans.txt');
// A long list, as a revocation list grows: the cache matters, and every version has the same size.
const filler = Array.from({ length: 20_000 }, (_, i) => `jti revoked-${String(i).padStart(6, '0')}\n`).join('');
const version = (banned: boolean) => writeFileSync(bans, `${filler}subject ${ISS} ${banned ? 'alice' : 'alicX'}\n`);
version(false);
const config = put(
  dir,
  'tokenmap.ini',
  '[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[bans]\nfile[] = bans.txt\n',
);
const small = JSON.stringify({ iss: ISS, sub: 'alice' });
// Over the 16 KiB the service decides on its main thread: this one goes to the evaluator thread.
const large = JSON.stringify({ iss: ISS, sub: 'alice', pad: 'x'.repeat(20_000) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('every edit of a ban list decides the next callout, kept or not', async (t) => {
  const svc = await startService(['--config', config]);
  t.teardown(() => svc.stop());
  let step = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ banned: fc.boolean(), settle: fc.boolean() }), { minLength: 3, maxLength: 6 }),
      async (edits) => {
        for (const { banned, settle } of edits) {
          version(banned);
          // Settled: past FRESH_MS, so that the cache keeps this version and the next edit must replace it.
          if (settle) await sleep(FRESH_MS + 200);
          for (const [where, stdin] of [
            ['main thread', small],
            ['evaluator thread', large],
          ] as const) {
            const r = await runCallout(svc.socket, ['htcondor-plugin', '--config', config], { stdin });
            const want = banned ? [2, ''] : [0, 'alice\n'];
            t.same(
              [r.code, r.stdout.toString()],
              want,
              `step ${++step} (${where}): ${banned ? 'banned' : 'not banned'}`,
            );
            if (banned) t.match(r.stderr, /^tokenmap: banned by \S+bans\.txt:20001 /);
            if (r.code !== want[0]) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: 3, seed: 3 },
  );
});
