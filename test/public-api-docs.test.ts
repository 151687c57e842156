// Everything src/index.ts exports carries a TSDoc comment where it is declared.
import t from 'tap';
import { readFileSync } from 'node:fs';

const read = (rel: string) => readFileSync(new URL(`../src/${rel}`, import.meta.url), 'utf8');

t.test('every export of src/index.ts is documented', async (t) => {
  const undocumented: string[] = [];
  let seen = 0;
  for (const m of read('index.ts').matchAll(/export (?:type )?\{([^}]*)\} from '\.\/([^']+)\.js'/g)) {
    const lines = read(`${m[2]}.ts`).split('\n');
    for (const name of (m[1] as string).split(',').map((n) => n.replace(/^\s*type\s+/, '').trim())) {
      if (!name) continue;
      seen++;
      const decl = new RegExp(`^export (?:const|function|class|interface|type|async function) ${name}\\b`);
      const i = lines.findIndex((l) => decl.test(l));
      if (i < 0 || !(lines[i - 1] ?? '').trim().endsWith('*/')) undocumented.push(`${m[2]}.ts: ${name}`);
    }
  }
  t.same(undocumented, []);
  t.ok(seen > 20, `${seen} exports checked`);
});
