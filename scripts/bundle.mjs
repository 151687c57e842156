// One self-contained ESM file behind bin/tokenmap: a callout pays for parsing one file, not resolving many.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/tokenmap.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies (commander, ini, ajv) call require(); ESM has none unless we make one.
  banner: {
    js: "import { createRequire as __tokenmapCreateRequire } from 'node:module'; const require = __tokenmapCreateRequire(import.meta.url);",
  },
});
