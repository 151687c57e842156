// One self-contained CommonJS file behind bin/tokenmap: a callout pays for parsing one file, not resolving
// many. CommonJS rather than ESM: measured here, the ESM loader and the eager compilation of an ESM module
// cost a callout about 3-5 ms more (15-20% of `node -e 0`). Nothing in the bundle uses import.meta.
import { build } from 'esbuild';
import { isBuiltin } from 'node:module';

/**
 * Node builtins are taken with process.getBuiltinModule (Node >= 20.16) when the module that needs them is
 * first evaluated, never through an ESM facade: importing `node:fs` as ESM loads Node's stream modules
 * (about 20 internal modules) on every callout.
 */
const builtinsWithoutEsm = {
  name: 'builtins-without-esm',
  setup(b) {
    b.onResolve({ filter: /^[a-z:_/]+$/ }, (args) =>
      isBuiltin(args.path) ? { path: args.path.replace(/^node:/, ''), namespace: 'builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify('node:' + args.path)});`,
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/tokenmap.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [builtinsWithoutEsm],
});
