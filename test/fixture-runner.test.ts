// `tokenmap test`: the shipped fixtures pass on both example configurations, each case decides what the
// real callout decides for the same input, a failure shows expected against actual, an invalid fixture is
// exit 2 naming the file and JSON path, and the output is a TAP 14 stream whatever the names hold.
import t from 'tap';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, type FinalResults } from 'tap-parser';
import { arc7Env } from '../src/claims/arc7-env.js';
import { renderTap } from '../src/fixtures/tap.js';
import { scratch } from './helpers/files.js';
import { ROOT, runBin } from './helpers/run.js';

const TOKENMAP = join(ROOT, 'mapfiles/tokenmap.ini');
const ARC = join(ROOT, 'mapfiles/arc/tokenmap.ini');
const SHIPPED: [string, string][] = [
  [TOKENMAP, 'mapfiles/fixtures/tokenmap.json'],
  [ARC, 'mapfiles/fixtures/arc.json'],
];

function parseTap(text: string): Promise<FinalResults> {
  return new Promise((resolve) => {
    const p = new Parser(resolve);
    p.end(text);
  });
}

t.test('the shipped fixtures pass, as a valid TAP 14 stream', async (t) => {
  for (const [config, fixture] of SHIPPED) {
    const r = await runBin(['test', '--config', config, fixture]);
    t.equal(r.code, 0, `${fixture}\n${r.stdout}${r.stderr}`);
    const out = r.stdout.toString();
    t.match(out, /^TAP version 14\n# Subtest: /);
    const res = await parseTap(out);
    t.ok(res.ok, 'parser: ok');
    t.equal(res.count, 1, 'one test point per fixture file');
  }
});

interface ShippedCase {
  name: string;
  ce?: string;
  claims_file?: string;
  arc_subject?: string;
  at?: string;
  expect: { result: string };
}

t.test('each shipped case decides what the callout decides for the same input', async (t) => {
  const exit = { mapped: 0, declined: 1, error: 2 } as Record<string, number>;
  for (const [config, fixture] of SHIPPED) {
    const doc = JSON.parse(readFileSync(join(ROOT, fixture), 'utf8')) as { cases: ShippedCase[] };
    for (const c of doc.cases) {
      if (c.at || (!c.claims_file && !c.arc_subject)) continue;
      let r;
      if (c.ce === 'arc') {
        const env = c.claims_file
          ? arc7Env(JSON.parse(readFileSync(join(ROOT, 'mapfiles/fixtures', c.claims_file), 'utf8')))
          : {};
        r = await runBin(['arc-plugin', '--config', config, ...(c.arc_subject ? [c.arc_subject] : [])], {
          env,
          stdin: 'open',
        });
      } else
        r = await runBin(['htcondor-plugin', '--config', config], {
          stdin: readFileSync(join(ROOT, 'mapfiles/fixtures', c.claims_file as string)),
        });
      t.equal(r.code, exit[c.expect.result], `${fixture}: ${c.name}`);
    }
  }
});

const BIOMED = join(ROOT, 'mapfiles/tokens/egi-biomed-pilot.json');

t.test('a failing case: exit 1, and a YAML block with expected, actual and what differs', async (t) => {
  const dir = scratch({
    'f.json': JSON.stringify({
      cases: [
        { name: 'right', claims_file: BIOMED, expect: { result: 'mapped', account: 'biomedpilot' } },
        {
          name: 'wrong account',
          claims_file: BIOMED,
          expect: { result: 'mapped', account: 'biomed', rule: join(ROOT, 'mapfiles/policies.d/10-egi-biomed.ini:5') },
        },
      ],
    }),
  });
  const r = await runBin(['test', '--config', TOKENMAP, 'f.json'], { cwd: dir });
  t.equal(r.code, 1);
  const out = r.stdout.toString();
  t.match(out, /^ {4}ok 1 - right$/m);
  t.match(out, /^ {4}not ok 2 - wrong account\n {6}---\n {6}differs: \["account"\]\n {6}expected:\n/m);
  t.match(out, /^ {8}account: "biomedpilot"$/m);
  t.match(out, /^not ok 1 - f\.json$/m);
  const res = await parseTap(out);
  t.equal(res.fail, 1);
});

t.test('rule: relative to the fixture file or absolute, without the label', async (t) => {
  const policy = readFileSync(join(ROOT, 'mapfiles/policies.d/10-egi-biomed.ini'), 'latin1');
  const fixture = (rule: string) =>
    JSON.stringify({ cases: [{ name: rule, claims_file: BIOMED, expect: { result: 'mapped', rule } }] });
  const dir = scratch({ 'p/10.ini': policy, 'sub/rel.json': fixture('../p/10.ini:5') });
  writeFileSync(join(dir, 'sub/abs.json'), fixture(join(dir, 'p/10.ini:5')));
  writeFileSync(join(dir, 'sub/off.json'), fixture('../p/10.ini:6'));
  const r = await runBin(['test', '-c', 'p/10.ini', 'sub/rel.json', 'sub/abs.json'], { cwd: dir });
  t.equal(r.code, 0, r.stdout.toString() + r.stderr);
  const off = await runBin(['test', '-c', 'p/10.ini', 'sub/off.json'], { cwd: dir });
  t.equal(off.code, 1, 'another line is another rule');
  t.match(off.stdout.toString(), /^ {8}rule: "p\/10\.ini:5"$|^ {8}rule: "p\/10.ini:5"$/m);
});

t.test("a case's own time wins over --at", async (t) => {
  const expired = join(ROOT, 'mapfiles/tokens/expired.json');
  const dir = scratch({
    'f.json': JSON.stringify({
      cases: [
        { name: 'own time', claims_file: expired, at: 1700001000, expect: { result: 'mapped' } },
        { name: '--at', claims_file: expired, expect: { result: 'declined' } },
      ],
    }),
  });
  const r = await runBin(['test', '--config', TOKENMAP, '--at', '2030-01-01T00:00:00Z', 'f.json'], { cwd: dir });
  t.equal(r.code, 0, r.stdout.toString());
  const r2 = await runBin(['test', '--config', TOKENMAP, '--at', '1700000500', 'f.json'], { cwd: dir });
  t.equal(r2.code, 1, 'at 1700000500 the second case maps');
});

t.test('an invalid fixture file is exit 2 naming the file and the JSON path; no TAP is printed', async (t) => {
  const bad: Record<string, [string, RegExp]> = {
    'enum.json': [
      JSON.stringify({ cases: [{ name: 'x', claims: {}, expect: { result: 'maped' } }] }),
      /^tokenmap: enum\.json: \/cases\/0\/expect\/result: must be equal to one of the allowed values/,
    ],
    'two.json': [
      JSON.stringify({ cases: [{ name: 'x', claims: {}, token: 'a.b.c', expect: { result: 'mapped' } }] }),
      /^tokenmap: two\.json: \/cases\/0: needs exactly one of claims, claims_file, token, token_file, arc_subject \(has claims, token\)/,
    ],
    'missing.json': [
      JSON.stringify({ cases: [{ name: 'x', claims_file: 'nope.json', expect: { result: 'mapped' } }] }),
      /^tokenmap: missing\.json: \/cases\/0\/claims_file: cannot read "nope\.json"/,
    ],
    'json.json': ['{"cases": [', /^tokenmap: json\.json: \/: /],
    'dup.json': ['{"cases": [], "cases": []}', /^tokenmap: dup\.json: \/: .*duplicate/],
    'extra.json': [
      JSON.stringify({ cases: [{ name: 'x', claims: {}, expect: { result: 'mapped', acount: 'a' } }] }),
      /^tokenmap: extra\.json: \/cases\/0\/expect: must NOT have additional properties \("acount"\)/,
    ],
    'subject.json': [
      JSON.stringify({ cases: [{ name: 'x', arc_subject: 'a/b', expect: { result: 'mapped' } }] }),
      /^tokenmap: subject\.json: \/cases\/0\/arc_subject: needs "ce": "arc"/,
    ],
  };
  const files: Record<string, string> = {};
  for (const [k, [v]] of Object.entries(bad)) files[k] = v;
  const dir = scratch(files);
  for (const [file, [, re]] of Object.entries(bad)) {
    const r = await runBin(['test', '--config', TOKENMAP, file], { cwd: dir });
    t.equal(r.code, 2, file);
    t.match(r.stderr, re, file);
    t.equal(r.stdout.length, 0, `${file}: no TAP`);
  }
});

t.test('property: whatever a name or value holds, the stream stays one line per point and parses', async (t) => {
  const text = fc.string({
    unit: fc.oneof(
      fc.constantFrom('\n', '\r', '#', '\\', '"', '\u2028', '\x1b', ' '),
      fc.integer({ min: 0, max: 0x10ffff }).map((n) => String.fromCodePoint(n)),
    ),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 4 }), text, async (names, value) => {
      const out = renderTap([
        {
          file: names[0] as string,
          cases: names.map((n, i) => ({
            name: n,
            ok: i % 2 === 0,
            differs: ['account'],
            expected: { result: 'mapped', account: value },
            actual: { result: 'mapped', account: n },
          })),
        },
      ]);
      if (/[\r\x1b\u2028]/.test(out)) throw new Error('raw control byte in the stream');
      const res = await parseTap(out);
      if (res.count !== 1 || res.plan.end !== 1) throw new Error(`bad parse: ${out}`);
    }),
    { numRuns: 150 },
  );
  t.pass();
});
