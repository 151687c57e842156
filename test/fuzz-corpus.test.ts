// Replays test/corpus/*.json (inputs that once broke the contract; see test/corpus/README.md): in
// process through main(), and through the real binary for the entries marked `spawn`.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { contractBreach } from './helpers/fuzz.js';
import { runBin, runMain } from './helpers/run.js';

interface Entry {
  why: string;
  files?: Record<string, string>;
  fifos?: string[];
  args: string[];
  stdin?: string;
  env?: Record<string, string>;
  spawn?: boolean;
  expect: { code: number; stderr?: string; maxMs?: number };
}

const CORPUS = new URL('./corpus/', import.meta.url);

for (const name of readdirSync(CORPUS)
  .filter((n) => n.endsWith('.json'))
  .sort()) {
  const entry = JSON.parse(readFileSync(new URL(name, CORPUS), 'utf8')) as Entry;
  t.test(`${name}: ${entry.why}`, async (t) => {
    const dir = scratch();
    for (const [file, text] of Object.entries(entry.files ?? {})) put(dir, file, Buffer.from(text));
    for (const f of entry.fifos ?? []) execFileSync('mkfifo', [join(dir, f)]);
    const args = entry.args.map((a) => a.replace('$DIR', dir));
    const started = Date.now();
    const r = entry.spawn
      ? await runBin(args, { stdin: entry.stdin ?? 'open', env: entry.env }).then((b) => ({
          code: b.code,
          stdout: b.stdout.toString('latin1'),
          stderr: b.stderr,
        }))
      : await runMain(args, { stdin: entry.stdin, env: entry.env });
    const ms = Date.now() - started;
    t.equal(contractBreach({ ...r, ms }), null, 'the contract holds');
    t.equal(r.code, entry.expect.code, `exit ${entry.expect.code}`);
    if (entry.expect.stderr) t.match(r.stderr, new RegExp(entry.expect.stderr));
    if (entry.expect.maxMs) t.ok(ms < entry.expect.maxMs, `answered in ${ms} ms`);
  });
}
