// The README's table of error codes is the list the code uses (ERROR_CODES, which types TokenmapError:
// a code not in it does not compile).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('\n### Verification codes'));

t.test('README lists exactly the codes of src/errors.ts, with their meaning', async (t) => {
  const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
  t.same(rows, Object.entries(ERROR_CODES));
});

t.test('README lists exactly the verification codes of src/tokens/verification.ts', async (t) => {
  const { VERIFY_CODES } = await import('../src/tokens/verification.js');
  const start = readme.indexOf('### Verification codes');
  const part = readme.slice(start, readme.indexOf('\n## ', start));
  const rows = [...part.matchAll(/^\| `([A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
  t.same(rows, Object.entries(VERIFY_CODES));
});
