// One self-contained CommonJS file behind bin/tokenmap: a callout pays for parsing one file, not resolving
// many. CommonJS rather than ESM: measured here, the ESM loader and the eager compilation of an ESM module
// cost a callout about 3-5 ms more (15-20% of `node -e 0`). Nothing in the bundle uses import.meta.
import { build } from 'esbuild';
import { isBuiltin } from 'node:module';

/**
 * For the ESM library bundle only: Node builtins are taken with process.getBuiltinModule (Node >= 20.16),
 * never through an ESM facade (importing `node:fs` as ESM loads Node's stream modules, about 20 internal
 * modules). The CommonJS bundles leave builtins external, so a named import is a plain `require`: through
 * this plugin each importing module would copy every export of the builtin onto a fresh namespace
 * (esbuild's __toESM), which cost a callout about 1 ms for node:fs alone.
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

/**
 * Token verification (jose and the key sources) lives in a second bundle, dist/tokens.cjs, that explain,
 * test and keys require when they run: the callout bundle stays the size V8 parses today.
 */
const tokensApart = {
  name: 'tokens-apart',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]tokens[\\/]load\.ts$/ }, () => ({
      contents:
        "export function loadTokens() { return Promise.resolve(require(process.getBuiltinModule('node:path').join(__dirname, 'tokens.cjs'))); }",
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/tokenmap.cjs',
  plugins: [tokensApart],
});
await build({
  ...common,
  entryPoints: ['src/tokens/entry.ts'],
  outfile: 'dist/tokens.cjs',
});
// The library entry (package.json `exports`), bundled like the executables, so that an installed
// package needs no runtime dependency: tsc's multi-file dist/index.js imports ini, ajv and jose from
// node_modules and stays a development build (tests, bench). ESM, as the package is; its types are tsc's
// dist/index.d.ts.
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/library.js',
  format: 'esm',
  minify: false,
  sourcemap: false,
  plugins: [builtinsWithoutEsm],
});
