// Prettier keeps code at 120 columns but does not break strings or comments: this keeps those there too.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'generated' ? [] : files(join(dir, e.name))) : [join(dir, e.name)],
  );

t.test('no source line is over 120 columns (generated validators aside)', async (t) => {
  const long = files(SRC).flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .flatMap((line, i) => (line.length > 120 ? [`${relative(SRC, f)}:${i + 1} (${line.length})`] : [])),
  );
  t.same(long, []);
});
