// `tokenmap check` as a whole: the shipped examples are clean, --json follows its schema, what check
// cannot run on is exit 2, the site loader refuses what check calls a duplicate, and no file content,
// however hostile, crashes check or reaches its output unescaped.
import t from 'tap';
import fc from 'fast-check';
import { join } from 'node:path';
import { validate as validateCheck } from '../src/generated/check-validator.js';
import { lintFiles } from '../src/lint/lint.js';
import { formatProblem } from '../src/lint/problem.js';
import type { FileReader } from '../src/io/reader.js';
import { scratch } from './helpers/files.js';
import { ROOT, runBin } from './helpers/run.js';

t.test('the shipped example configuration has no error', async (t) => {
  const r = await runBin(['check', '--config', join(ROOT, 'mapfiles/tokenmap.ini')]);
  t.equal(r.code, 0, r.stdout.toString());
  t.notMatch(r.stdout.toString(), / error /);
});

t.test('--json is one document that follows schemas/check.schema.json', async (t) => {
  const dir = scratch({ m: 'SCITOKENS onlytwo\nSCITOKENS /^https:\\/\\/i,b$/m user\n' });
  const r = await runBin(['check', '--json', 'm'], { cwd: dir });
  t.equal(r.code, 1);
  const doc = JSON.parse(r.stdout.toString());
  t.ok(validateCheck(doc), JSON.stringify((validateCheck as { errors?: unknown }).errors));
  t.same(
    doc.problems.map((p: { line: number; code: string }) => [p.line, p.code]),
    [
      [1, 'MAP_SYNTAX'],
      [2, 'MAP_FLAGS'],
    ],
  );
  t.equal(doc.errors, 1);
});

t.test('problems are sorted by file and line, all of them', async (t) => {
  const dir = scratch({
    b: 'SCITOKENS /x/ root\nSCITOKENS onlytwo\n',
    a: 'SCITOKENS onlytwo\n',
  });
  const r = await runBin(['check', 'b', 'a'], { cwd: dir });
  const heads = r.stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => l.split(': ')[0]);
  t.same(heads, ['a:1:1', 'b:1:12', 'b:1:15', 'b:2:1']);
});

t.test('check cannot run: exit 2 with one line', async (t) => {
  const dir = scratch({});
  for (const args of [['--config', 'nope.ini'], ['nope'], ['--bogus']]) {
    const r = await runBin(['check', ...args], { cwd: dir });
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, /^(tokenmap: \S+: cannot read|error: unknown option)/);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

t.test('the site loader refuses a duplicate section or key, naming FILE:LINE', async (t) => {
  for (const body of ['[audience]\naccept = a\n[audience]\naccept = b\n', '[audience]\naccept = a\naccept = b\n']) {
    const dir = scratch({
      'c.ini': `[rules]\nsource[] = mapfile:m\n${body}`,
      m: 'SCITOKENS /^https:\\/\\/i,b$/ user\n',
    });
    const r = await runBin(['htcondor-plugin', '--config', 'c.ini'], {
      cwd: dir,
      stdin: '{"iss":"https://i","sub":"b","aud":"b"}',
    });
    t.equal(r.code, 2);
    t.match(r.stderr, /^tokenmap: c\.ini:5: duplicate (section|key)/);
  }
});

/** An in-memory tree: lint is I/O-free behind its reader. */
function memory(files: Record<string, string>): FileReader {
  return {
    read: (p) => {
      const f = files[p];
      if (f === undefined) throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
      return Buffer.from(f, 'latin1');
    },
    kind: (p) => (files[p] !== undefined ? 'file' : 'missing'),
    list: () => [],
  };
}

t.test('property: any map or policy bytes lint without a crash, and every output line is printable', async (t) => {
  const byte = fc.oneof(
    fc.constantFrom(...'SCITOKENS /^https:\\/\\/i\\.x,b$/ PLUGIN:*,@include [rule a]\n=\\"\r\t\0'.split('')),
    fc.integer({ min: 0, max: 255 }).map((n) => String.fromCharCode(n)),
  );
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 200 }), fc.boolean(), (chars, ini) => {
      const text = (ini ? '[rule a]\nissuer = ' : '') + chars.join('');
      const problems = lintFiles(['f'], memory({ f: text }), { hashKeys: true });
      for (const p of problems) {
        const line = formatProblem(p);
        if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(line))
          throw new Error(`unescaped control byte: ${JSON.stringify(line)}`);
        if (p.pos.line < 1 || p.pos.col < 1) throw new Error(`bad position: ${line}`);
      }
    }),
    { numRuns: 400 },
  );
  t.pass();
});

t.test('zero rules reachable: an error in check, a note in explain', async (t) => {
  const dir = scratch({ 'c.ini': '[rules]\nsource[] = policy:pol/\n', 'pol/a.ini': '; nothing yet\n' });
  const c = await runBin(['check', '--config', 'c.ini'], { cwd: dir });
  t.equal(c.code, 1);
  t.match(c.stdout.toString(), /^c\.ini:1:1: error RULES_NONE_REACHABLE /m);
  const e = await runBin(['explain', '--config', 'c.ini', '--claims', join(ROOT, 'mapfiles/tokens/cms-pilot.json')], {
    cwd: dir,
  });
  t.equal(e.code, 1);
  t.match(e.stdout.toString(), /c\.ini: the rule sources hold no rule at all/);
});
