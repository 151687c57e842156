// The compiled lookup (literal hash, prefix index, lazy translation) answers exactly what a plain scan
// of every entry in file order answers.
import t from 'tap';
import { binaryFromText } from '../src/bytes.js';
import { compileMap } from '../src/mapfile/compile.js';
import { lookup, lookupTrace } from '../src/mapfile/lookup.js';
import { parseMapText, type MapRecord } from '../src/mapfile/parse.js';

const issuers = [
  'https://a.example/',
  'https://a.example',
  'https://A.example/',
  'https://b.example/x,y/',
  'https://c.example/',
];
const esc = (s: string) => s.replace(/[./:,-]/g, (c) => '\\' + c);
let text = '';
for (let i = 0; i < 400; i++) {
  const iss = issuers[i % issuers.length] as string;
  const sub = `s${i % 13}`;
  const kind = i % 7;
  if (kind === 0) text += `SCITOKENS "${iss},${sub}" lit${i}\n`;
  else if (kind === 1) text += `SCITOKENS /^${esc(iss)},${sub}$/ re${i}\n`;
  else if (kind === 2) text += `SCITOKENS /^${esc(iss)},/i ci${i}\n`;
  else if (kind === 3) text += `SCITOKENS /${esc(sub)}$/ tail${i}\n`;
  else if (kind === 4) text += `SCITOKENS /^${esc(iss)},(s1|s2)/ alt${i}\n`;
  else if (kind === 5) text += `SCITOKENS /^${esc(iss.slice(0, 10))}/ short${i}\n`;
  else text += `SCITOKENS /^${esc(iss)},s1[0-9]$|^x/ or${i}\n`;
}

t.test('indexed lookups equal full scans', async (t) => {
  const records = parseMapText(binaryFromText(text), 'm', { hashKeys: true, included: false }).flatMap((x) =>
    x.t === 'record' ? [x.record as MapRecord] : [],
  );
  const { map } = compileMap(records);
  const { map: scanned } = compileMap(records);
  let differ = 0;
  let matched = 0;
  for (const iss of [...issuers, 'https://a.exampl', 'HTTPS://A.EXAMPLE/', 'https://z.example/']) {
    for (let s = 0; s < 16; s++) {
      const p = binaryFromText(`${iss},s${s}`);
      const fast = lookup(map, 'SCITOKENS', p);
      const slow = lookupTrace(scanned, 'SCITOKENS', p, () => {});
      if (fast) matched++;
      if ((fast?.canonical ?? null) !== (slow?.canonical ?? null)) differ++;
    }
  }
  t.equal(differ, 0);
  t.ok(matched > 50, `${matched} principals matched`);
});
