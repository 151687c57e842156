'use strict';
// Node's side of the launcher (bin/tokenmap). Written for any Node version, so that an old one still
// gets one clear line and exit 2 rather than a syntax error. Any exception that escapes main() (which
// never throws) would make Node exit 1, a decline: it is exit 2 here.
var fs = require('fs');

function line(text) {
  try {
    fs.writeSync(2, 'tokenmap: ' + String(text).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?') + '\n');
  } catch (e) {
    // stderr is gone: the exit status still tells
  }
}

function crash(e) {
  line('internal error: ' + (e && e.message ? e.message : String(e)));
  if (process.env.TOKENMAP_DEBUG === '1' && e && e.stack) line(e.stack);
  process.exit(2);
}

var v = process.versions.node.split('.').map(Number);
if (v[0] < 20 || (v[0] === 20 && v[1] < 19)) {
  line('Node ' + process.versions.node + ' (' + process.execPath + ') is too old: tokenmap needs Node 20.19 or newer');
  process.exit(2);
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
// What a CE must be told to run (snippet) is the launcher as it was called, not this file.
if (process.env.TOKENMAP_LAUNCHER) {
  process.argv[1] = process.env.TOKENMAP_LAUNCHER;
  delete process.env.TOKENMAP_LAUNCHER;
}
try {
  require('./load-bundle.cjs')
    .loadBundle()
    .main()
    .then(function (code) {
      process.exitCode = code;
    }, crash);
} catch (e) {
  crash(e);
}
