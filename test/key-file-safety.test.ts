// Key material is read only from files an attacker could not have written (M1) and never from a FIFO or
// device (M2): through the real binary for the WLCG cache, tokenmap's own cache and a pinned JWKS, and a
// property test over file kind, owner and mode bits of the file and its directory against readKeyFile.
import t from 'tap';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { issuerFileName } from '../src/tokens/jwks-cache-file.js';
import { readKeyFile, UnsafeKeyFile } from '../src/tokens/safe-key-read.js';
import { put, scratch } from './helpers/files.js';
import { runBin } from './helpers/run.js';
import { jwks, rsaKey, signToken, wlcgPayload } from './helpers/token-keys.js';

const now = Math.floor(Date.now() / 1000);
// port 1 on 127.0.0.1: refused at once, so a refused cache falls through to a fetch that fails fast
const ISS = 'https://127.0.0.1:1/';
const forger = rsaKey('rsa1');
const token = signToken(forger, wlcgPayload(ISS, now));
const entry = JSON.stringify({ [ISS]: { expiration: now + 600, jwks: jwks(forger) } });
const nobody = 65534;

type Plant = (dir: string, name: string) => void;
const plants: Record<string, Plant> = {
  'a symlink to a good file': (d, n) => symlinkSync(put(scratch(), 'real', entry), join(d, n)),
  'mode 0666': (d, n) => chmodSync(put(d, n, entry), 0o666),
  'group-writable': (d, n) => chmodSync(put(d, n, entry), 0o664),
  'owned by nobody': (d, n) => chownSync(put(d, n, entry), nobody, nobody),
  'a FIFO': (d, n) => execFileSync('mkfifo', [join(d, n)]),
  'a symlink to /dev/zero': (d, n) => symlinkSync('/dev/zero', join(d, n)),
  'a directory': (d, n) => mkdirSync(join(d, n)),
  'in a world-writable directory': (d, n) => (put(d, n, entry), chmodSync(d, 0o1777)),
  'in a directory owned by nobody': (d, n) => (put(d, n, entry), chownSync(d, nobody, nobody)),
};

function site(extra: string): string {
  const d = scratch();
  put(d, 'p.ini', `[rule r]\nissuer = ${ISS}\naccount = mapped\n`);
  return put(
    d,
    'c.ini',
    `[rules]\nsource[] = policy:p.ini\n[audience]\naccept = https://ce.example.org\n[tokens]\n` +
      `trust[] = ${ISS}\nfetch_timeout = 2\n${extra}`,
  );
}

t.test('control: a safe WLCG cache file and a safe own-cache file verify', async (t) => {
  const wlcg = scratch();
  put(wlcg, issuerFileName(ISS), entry);
  let r = await runBin(['explain', '--config', site('system_jwks_cache = yes\n'), token], {
    env: { JWKS_CACHE_DIR: wlcg },
  });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout.toString(), 'signature    verified: RS256, kid rsa1, key from WLCG JWKS cache');
});

for (const [what, plant] of Object.entries(plants)) {
  t.test(`WLCG cache file ${what}: never trusted, never hangs; the note names the file`, async (t) => {
    const wlcg = scratch();
    plant(wlcg, issuerFileName(ISS));
    const r = await runBin(['explain', '--json', '--config', site('system_jwks_cache = yes\n'), token], {
      env: { JWKS_CACHE_DIR: wlcg },
      killAfterMs: 8000,
    });
    t.equal(r.signal, null, 'did not hang');
    t.equal(r.code, 2, r.stderr);
    const doc = JSON.parse(r.stdout.toString());
    t.equal(doc.verification.result, 'unavailable');
    t.match(JSON.stringify(doc.verification.notes ?? doc.notes ?? doc), 'refused as a key file');
  });

  t.test(`own key cache file ${what}: a miss with a note, not a key`, async (t) => {
    const cache = scratch();
    plant(cache, issuerFileName(ISS));
    const r = await runBin(['explain', '--config', site(`key_cache = ${cache}\nsystem_jwks_cache = no\n`), token], {
      killAfterMs: 8000,
    });
    t.equal(r.signal, null, 'did not hang');
    t.equal(r.code, 2, r.stderr);
    t.match(r.stdout.toString(), /signature +unavailable: KEYS_UNAVAILABLE/);
    t.match(r.stdout.toString(), 'refused as a key file');
  });

  t.test(`pinned JWKS ${what}: KEYS_UNAVAILABLE naming the file`, async (t) => {
    const d = scratch();
    plant(d, 'pinned.jwks');
    const r = await runBin(['explain', '--config', site(`jwks[] = ${ISS} ${join(d, 'pinned.jwks')}\n`), token], {
      killAfterMs: 8000,
    });
    t.equal(r.signal, null, 'did not hang');
    t.equal(r.code, 2, r.stderr);
    t.match(r.stderr, `${join(d, 'pinned.jwks')}`);
  });
}

t.test(
  'property: readKeyFile returns bytes exactly for a regular file, owner euid/root, no g/o write, safe dir',
  (t) => {
    const kinds = ['regular', 'fifo', 'symlink', 'dir'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.integer({ min: 0, max: 0o777 }),
        fc.constantFrom(0, nobody),
        fc.integer({ min: 0o700, max: 0o777 }),
        fc.constantFrom(0, nobody),
        (kind, mode, owner, dirMode, dirOwner) => {
          const d = scratch();
          const f = join(d, 'k');
          if (kind === 'regular') put(d, 'k', entry);
          if (kind === 'fifo') execFileSync('mkfifo', [f]);
          if (kind === 'symlink') symlinkSync(put(scratch(), 'real', entry), f);
          if (kind === 'dir') mkdirSync(f);
          if (kind !== 'symlink') (chmodSync(f, mode | 0o400), chownSync(f, owner, owner));
          chmodSync(d, dirMode);
          chownSync(d, dirOwner, dirOwner);
          const safe =
            kind === 'regular' && owner === 0 && (mode & 0o022) === 0 && (dirMode & 0o022) === 0 && dirOwner === 0;
          let got: Buffer | null | Error;
          try {
            got = readKeyFile(f);
          } catch (e) {
            got = e as Error;
          }
          return safe ? Buffer.isBuffer(got) && got.toString('latin1') === entry : got instanceof UnsafeKeyFile;
        },
      ),
      { numRuns: 150 },
    );
    t.end();
  },
);
