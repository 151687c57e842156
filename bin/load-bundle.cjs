'use strict';
// Loads dist/tokenmap.cjs through V8's code cache (dist/tokenmap.cjs.cache, written by the build after
// running representative commands): a callout then skips parsing and compiling the functions it needs,
// about a fifth of its run time. A missing, stale (other Node version) or corrupt cache is simply
// rejected by V8 and the bundle is compiled as usual.
const { readFileSync } = require('node:fs');
const { Script } = require('node:vm');
const { join } = require('node:path');

const BUNDLE = join(__dirname, '..', 'dist', 'tokenmap.cjs');
const CACHE = BUNDLE + '.cache';

function loadBundle(useCache = true) {
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(CACHE);
    } catch {
      cachedData = undefined;
    }
  }
  const source = readFileSync(BUNDLE, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE,
    cachedData,
  });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, BUNDLE, join(__dirname, '..', 'dist'));
  return {
    main: mod.exports.main,
    memoryIo: mod.exports.memoryIo,
    runEvaluator: mod.exports.runEvaluator,
    script,
    cacheRejected: script.cachedDataRejected === true,
    cachePath: CACHE,
  };
}

module.exports = { loadBundle };
