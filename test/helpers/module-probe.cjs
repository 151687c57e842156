// Loaded with --require by test/startup.test.ts: writes the internal modules this process loaded to
// $TOKENMAP_PROBE_OUT when it exits.
process.on('exit', () =>
  require('node:fs').writeFileSync(process.env.TOKENMAP_PROBE_OUT, process.moduleLoadList.join('\n')),
);
