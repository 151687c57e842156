// The optimised lookup (hashed keys, `^literal$` patterns as string comparisons, the issuer index, lookups
// without a RegExp) answers exactly what a plain first-match scan answers that runs every line through
// the PCRE2 translator and a RegExp: over generated OSG-style map files and principals that are exact,
// near misses, other issuers, with a final LF, or in another letter case.
import fc from 'fast-check';
import t from 'tap';
import { binaryFromBytes, binaryFromText, type Binary } from '../src/bytes.js';
import { lookupJson } from '../src/cli/lookup.js';
import { compileMap } from '../src/mapfile/compile.js';
import { literalPattern, matchLiteral } from '../src/mapfile/literal-pattern.js';
import { lookup, lookupWithoutRegex, NEEDS_REGEX, type MapMatch } from '../src/mapfile/lookup.js';
import { parseMapText, type MapRecord } from '../src/mapfile/parse.js';
import { anchoredPrefix, translatePcre2 } from '../src/mapfile/pcre2.js';
import { readField } from '../src/mapfile/tokenize.js';
import { applyTemplate, existingGroups, parseTemplate } from '../src/mapfile/template.js';

const RUNS = 1000;

/** The reference: every entry in file order, regexes through the translator; first match wins. */
function scan(records: readonly MapRecord[], principal: Binary): string | null {
  for (const r of records) {
    if (r.method.toUpperCase() !== 'SCITOKENS') continue;
    let groups: Binary[] | null;
    if (!r.regex) groups = r.principal === principal ? [principal] : null;
    else {
      const tr = translatePcre2(r.principal, { caseless: r.caseless, ungreedy: r.ungreedy });
      if (tr.kind === 'pcre2-error') continue; // HTCondor drops the line
      if (tr.kind !== 'ok') throw new Error(`generator made an unsupported pattern ${r.principal}`);
      const m = new RegExp(tr.source).exec(principal);
      groups = m ? existingGroups(m) : null;
    }
    if (groups) return `${r.pos.line}:${applyTemplate(parseTemplate(r.canonical), groups)}`;
  }
  return null;
}

function optimised(map: ReturnType<typeof compileMap>['map'], principal: Binary): string | null {
  const m = lookup(map, 'SCITOKENS', principal);
  return m ? `${m.entry.record.pos.line}:${m.canonical}` : null;
}

const ISSUERS = [
  'https://cilogon.org/osg',
  'https://cilogon.org/osg/',
  'https://cilogon.org/osg2',
  'https://scitokens.org/Vo',
  'https://iam.example.org/',
  'https://a.example,b/',
];
const SUBJECTS = ['http://cilogon.org/serverA/users/12345', 'pilot-7', 'Pilot-7', 'x', 'a.b-c:d', 'prod-42'];

/** OSG escapes `/` (the field delimiter) and `.`; generators escape more punctuation, or less. */
const escapeAs = (style: number, s: string) =>
  s.replace(style === 0 ? /[/.]/g : style === 1 ? /[/.:,-]/g : /[/]/g, (c) => '\\' + c);

/**
 * One run's map file and principals over a few issuers and subjects drawn for that run, so that lines
 * share keys (a literal and a `^key$` line, a catch-all before or after) and principals hit them.
 */
const scenario = fc
  .record({
    issuers: fc.subarray(ISSUERS, { minLength: 1, maxLength: 3 }),
    subjects: fc.subarray(SUBJECTS, { minLength: 1, maxLength: 3 }),
  })
  .chain(({ issuers, subjects }) => {
    const iss = fc.constantFrom(...issuers);
    const sub = fc.constantFrom(...subjects);
    const line = fc.oneof(
      // ^issuer,subject$ (the bulk of an OSG map file), sometimes caseless
      fc
        .record({ iss, sub, style: fc.nat(2), i: fc.boolean() })
        .map(({ iss, sub, style, i }) => `/^${escapeAs(style, iss)},${escapeAs(style, sub)}$/${i ? 'i' : ''}`),
      // issuer catch-all, and prefixes that stop before the comma
      fc
        .record({ iss, style: fc.nat(2), i: fc.boolean(), cut: fc.nat(3) })
        .map(({ iss, style, i, cut }) => `/^${escapeAs(style, cut ? iss.slice(0, -cut) : iss + ',')}/${i ? 'i' : ''}`),
      // literal keys
      fc.record({ iss, sub }).map(({ iss, sub }) => `"${iss},${sub}"`),
      // patterns that need a RegExp: groups, classes (with | and parentheses inside), alternatives, unanchored
      fc.constantFrom(
        '/^https:\\/\\/cilogon\\.org\\/osg,(pilot|prod)-([0-9]+)$/',
        '/^https:\\/\\/cilogon\\.org\\/osg\\/,[a-z|()]+-7$/',
        '/^https:\\/\\/iam\\.example\\.org\\/,.*$/i',
        '/^https:\\/\\/a\\.example,b\\/,x$|^pilot/',
        '/pilot-7$/',
        '/^https:\\/\\/scitokens\\.org\\/vo,(?i)pilot-7$/',
        '/^https:\\/\\/cilogon\\.org\\/osg,x\\$/',
        '/^https:\\/\\/cilogon\\.org\\/osg,x$\\n/',
        '/^https:\\/\\/cilogon\\.org\\/osg2,\\ipilot$/',
      ),
    );
    const template = fc.constantFrom('user', '\\0', '\\1', 'u\\1\\2', 'x\\\\1');
    const text = fc
      .array(fc.tuple(line, template), { minLength: 1, maxLength: 40 })
      .map((lines) => lines.map(([p, c]) => `SCITOKENS ${p} ${c}\n`).join(''));
    // Principals: the ones the lines name, near misses, other issuers, a final LF, other letter cases.
    const principal = fc
      .record({
        iss: fc.oneof(iss, fc.constantFrom('https://other.example/', 'https://cilogon.org/os')),
        sub: fc.oneof(sub, fc.constantFrom('', 'pilot-7')),
        change: fc.nat(7),
      })
      .map(({ iss, sub, change }) => {
        const p = `${iss},${sub}`;
        switch (change) {
          case 0:
            return p + '\n';
          case 1:
            return p + 'x';
          case 2:
            return p.slice(0, -1);
          case 3:
            return p.toUpperCase();
          case 4:
            return p.replace(/[a-z]/, (c) => c.toUpperCase());
          case 5:
            return p + '\n\n';
          default:
            return p;
        }
      });
    return fc.tuple(text, fc.array(principal, { minLength: 1, maxLength: 30 }));
  });

t.test('optimised lookup equals a first-match scan through the translator', async (t) => {
  let matched = 0;
  let checked = 0;
  fc.assert(
    fc.property(scenario, ([text, principals]) => {
      const records = parseMapText(binaryFromText(text), 'm', { hashKeys: true, included: false }).flatMap((x) =>
        x.t === 'record' ? [x.record] : [],
      );
      const { map } = compileMap(records);
      for (const p of principals.map(binaryFromText)) {
        const want = scan(records, p);
        const got = optimised(map, p);
        if (got !== want) throw new Error(`${JSON.stringify(p)}: got ${got}, want ${want}\n${text}`);
        const quick = lookupWithoutRegex(map, 'SCITOKENS', p);
        if (quick !== NEEDS_REGEX && (quick ? `${quick.entry.record.pos.line}:${quick.canonical}` : null) !== want)
          throw new Error(`${JSON.stringify(p)}: without regex ${JSON.stringify(quick)}, want ${want}\n${text}`);
        if (want) matched++;
        checked++;
      }
    }),
    { numRuns: RUNS },
  );
  t.ok(matched > checked / 5, `${matched} of ${checked} principals matched`);
});

/** Patterns over bytes that are metacharacters, escapes, letters and punctuation. */
const pattern = fc
  .array(
    fc.constantFrom(
      'a',
      'B',
      ',',
      '/',
      ':',
      '-',
      '\\.',
      '\\/',
      '\\$',
      '\\\\',
      '\\d',
      '.',
      '$',
      '^',
      '*',
      '+',
      '?',
      '{2}',
      '{',
      '}',
      ']',
      '[a|]',
      '[]|(]',
      '[^]a]',
      '[[:alpha:]|]',
      '[[:alpha:](]',
      '[[:digit:]]',
      '(',
      ')',
      '|',
      '\\Q|\\E',
      '\n',
      '\xe9',
    ),
    { maxLength: 12 },
  )
  .map((parts) => '^' + parts.join(''));

t.test('a literal pattern matches exactly what its translation matches', async (t) => {
  let literal = 0;
  fc.assert(
    fc.property(
      pattern,
      fc.boolean(),
      fc.array(fc.constantFrom('a', 'A', 'b', 'B', ',', '/', '.', '$', '\n', '\\', '\xe9', '\xc9'), { maxLength: 8 }),
      (p, caseless, tail) => {
        const lit = literalPattern(p, caseless);
        const tr = translatePcre2(p, { caseless, ungreedy: false });
        if (lit === null) return;
        literal++;
        if (tr.kind !== 'ok') throw new Error(`literal ${JSON.stringify(p)} does not translate: ${tr.message}`);
        const re = new RegExp(tr.source);
        const body = lit.text;
        for (const s of [
          body,
          body + '\n',
          body + '\n\n',
          body.toUpperCase(),
          body + tail.join(''),
          body + 'x',
          body + '\nx',
          tail.join(''),
          body.slice(0, -1),
        ]) {
          const m = re.exec(s);
          const want = m ? (m[0] as string) : null;
          const folded = s.replace(/[A-Z]/g, (c) => c.toLowerCase());
          const got = matchLiteral(lit, s, folded);
          if (got !== want) throw new Error(`${JSON.stringify(p)} on ${JSON.stringify(s)}: got ${got}, want ${want}`);
        }
      },
    ),
    { numRuns: 2000 },
  );
  t.ok(literal > 100, `${literal} literal patterns checked`);
});

t.test('the index prefix is a prefix of the translator\u2019s whenever it answers', async (t) => {
  fc.assert(
    fc.property(pattern, fc.boolean(), (p, caseless) => {
      const quick = anchoredPrefix(p, caseless);
      const full = translatePcre2(p, { caseless, ungreedy: false });
      if (quick === null || full.kind !== 'ok') return;
      if (!full.prefix?.startsWith(quick))
        throw new Error(
          `${JSON.stringify(p)}: claimed ${JSON.stringify(quick)}, translator ${JSON.stringify(full.prefix)}`,
        );
    }),
    { numRuns: 5000 },
  );
  t.pass();
});

/** HTCondor's field rule (MapFile.cpp ParseField) read byte by byte, as the reference for readField. */
function fieldByBytes(line: string, offset: number, slashIsRegex: boolean) {
  let i = offset;
  while (line[i] === ' ' || line[i] === '\t' || line[i] === '\n') i++;
  const delim = line[i] === '"' ? '"' : slashIsRegex && line[i] === '/' ? '/' : null;
  let value = '';
  if (delim === null) {
    while (i < line.length && !' \t\n'.includes(line[i] as string)) value += line[i++];
    return { value, end: i, terminated: true, backslashAtEof: false, flags: '' };
  }
  for (i++; i < line.length; i++) {
    const c = line[i] as string;
    if (c === delim) {
      let flags = '';
      for (i++; delim === '/' && (line[i] === 'i' || line[i] === 'U'); i++) flags += line[i];
      return { value, end: i, terminated: true, backslashAtEof: false, flags };
    }
    if (c === '\\') {
      if (i + 1 >= line.length) return { value, end: i + 1, terminated: false, backslashAtEof: true, flags: '' };
      const n = line[++i] as string;
      value += n === delim || n === '\\' ? n : c + n;
    } else value += c;
  }
  return { value, end: i, terminated: false, backslashAtEof: false, flags: '' };
}

t.test('readField reads quoted and slash fields as HTCondor does, byte by byte', async (t) => {
  const bytes = fc.constantFrom('\\', '/', '"', 'i', 'U', ' ', '\t', '\n', 'a', '.', '$');
  fc.assert(
    fc.property(fc.array(bytes, { maxLength: 16 }), fc.nat(3), fc.boolean(), (parts, offset, slashIsRegex) => {
      const line = parts.join('');
      const want = fieldByBytes(line, offset, slashIsRegex);
      const f = readField(line, offset, slashIsRegex);
      const got = {
        value: f.value,
        end: f.end,
        terminated: f.terminated,
        backslashAtEof: f.backslashAtEof,
        flags: f.flagText,
      };
      if (JSON.stringify(got) !== JSON.stringify(want))
        throw new Error(
          `${JSON.stringify(line)} at ${offset}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`,
        );
    }),
    { numRuns: 20000 },
  );
  t.pass();
});

t.test('lookup JSON lines: any bytes in the principal or the canonical name, as cli.md writes them', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 }), (p, c) => {
      const principal = binaryFromBytes(p);
      const canonical = binaryFromBytes(c);
      const entry = { kind: 'literal', index: 0, record: { pos: { file: 'm', line: 3 } }, template: {} };
      const m = { entry, canonical } as unknown as MapMatch;
      const text = (b: string) => JSON.stringify(Buffer.from(b, 'latin1').toString('utf8'));
      const matched = `{"principal": ${text(principal)}, "matched": true, "canonical": ${text(canonical)}, "source": "m:3"}\n`;
      if (lookupJson(principal, m) !== matched)
        throw new Error(`${JSON.stringify(principal)}: ${lookupJson(principal, m)}`);
      if (lookupJson(principal, null) !== `{"principal": ${text(principal)}, "matched": false}\n`)
        throw new Error(`${JSON.stringify(principal)}: ${lookupJson(principal, null)}`);
    }),
    { numRuns: 5000 },
  );
  t.pass();
});
