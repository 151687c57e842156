// tokenmap serve parses a ban list again only when its text changed (serve/ban-cache.ts), so that a long
// revocation list is not parsed on every decision. A ban must still act on the very next decision: edits
// that keep the file's size (a subject swapped for another of the same length), made at once or after a
// pause, each decide the next callout, on the main thread (a small request) and in the evaluator thread (a
// large one) alike; so does an edit through a shared mmap, which leaves the file's times as they were.
// Property-based over the sequence of edits and pauses.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { runCallout, startService } from './helpers/service.js';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

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

async function expect(t: Test, socket: string, banned: boolean, what: string): Promise<boolean> {
  let ok = true;
  for (const [where, stdin] of [
    ['main thread', small],
    ['evaluator thread', large],
  ] as const) {
    const r = await runCallout(socket, ['htcondor-plugin', '--config', config], { stdin });
    const want = banned ? [2, ''] : [0, 'alice\n'];
    t.same([r.code, r.stdout.toString()], want, `${what} (${where}): ${banned ? 'banned' : 'not banned'}`);
    if (banned) t.match(r.stderr, /^tokenmap: banned by \S+bans\.txt:20001 /);
    ok &&= r.code === want[0];
  }
  return ok;
}

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
          // A pause: the version is kept a while, in an older time stamp, before the next edit replaces it.
          if (settle) await sleep(1200);
          if (!(await expect(t, svc.socket, banned, `step ${++step}`))) return false;
        }
        return true;
      },
    ),
    { numRuns: 3, seed: 3 },
  );
});

const python = '/usr/bin/python3';
// One mapping held open: the first write to its page moves the file's times, a second one to the same
// (still dirty) page does not, on tmpfs until the end and elsewhere until writeback.
const MAPPED_EDITS =
  'import mmap,os,sys\nfd=os.open(sys.argv[1],os.O_RDWR)\nm=mmap.mmap(fd,0)\ni=m.rfind(b"alicX")\n' +
  'm[i:i+5]=b"alicY"\nprint("first",flush=True)\nsys.stdin.readline()\nm[i:i+5]=b"alice"\n' +
  'print("second",flush=True)\nsys.stdin.readline()\nm.close()\nos.close(fd)\n';

t.test(
  "a second edit through a shared mmap, which leaves the file's times alone, decides the next callout",
  { skip: existsSync(python) ? false : 'no python3 here to map the file' },
  async (t) => {
    version(false);
    const svc = await startService(['--config', config]);
    t.teardown(() => svc.stop());
    const editor = spawn(python, ['-c', MAPPED_EDITS, bans], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.teardown(() => void editor.kill());
    const said = (word: string) =>
      new Promise<void>((resolve) => {
        const on = (b: Buffer) => b.toString().includes(word) && (editor.stdout.off('data', on), resolve());
        editor.stdout.on('data', on);
      });
    await said('first');
    await sleep(1200);
    t.ok(await expect(t, svc.socket, false, 'after the first mapped edit, a while later'));
    const before = statSync(bans, { bigint: true });
    const second = said('second');
    editor.stdin.write('\n');
    await second;
    const after = statSync(bans, { bigint: true });
    t.comment(
      `the second mapped edit left the times ${before.mtimeNs === after.mtimeNs && before.ctimeNs === after.ctimeNs ? 'unchanged' : 'changed'}`,
    );
    t.ok(await expect(t, svc.socket, true, 'after the second mapped edit'));
    editor.stdin.end('\n');
  },
);
