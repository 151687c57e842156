// Writes dist/tokenmap.cjs.cache: V8's code cache of the bundle, taken after running the callout paths
// on the bundled example configuration, so that it holds the functions a callout compiles. The runs are
// made in a child whose stdin is a pipe and whose stdout is /dev/null, so that the last two go through
// the process's real descriptors exactly as a CE runs a callout (the pipe reader, the descriptor writer);
// the first go through memoryIo, for the other payloads and the lookup.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const payload = (name) => readFileSync(`mapfiles/tokens/${name}.json`);
const HTCONDOR = ['htcondor-plugin', '--config', 'mapfiles/tokenmap.ini'];
const ARC = ['arc-plugin', '--config', 'mapfiles/tokenmap.ini'];

if (process.argv[2] !== '--child') {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
    input: payload('egi-biomed-pilot'),
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`the code cache run failed (${child.status ?? child.signal})`);
} else {
  const require = createRequire(import.meta.url);
  const { loadBundle } = require('../bin/load-bundle.cjs');
  const { main, memoryIo, script, cachePath } = loadBundle(false);
  const io = (stdin, env = {}) => memoryIo({ stdin, env, self: 'bin/tokenmap' });
  // ARC 7's environment for the EGI token, as tokenmap test builds it (tsc's output: the build ran tsc first).
  const { arc7Env } = await import('../dist/claims/arc7-env.js');
  const arcEnv = arc7Env(JSON.parse(payload('egi-biomed-pilot')));
  const runs = [
    [
      [
        'lookup',
        '--mapfile',
        'mapfiles/condor_mapfile',
        'https://atlas-auth.web.cern.ch/,7dee38a3-6ab8-4fe2-9e4c-58039c21d817',
      ],
      io(),
    ],
    ...['atlas-production', 'egi-biomed-pilot', 'fnal-pilot', 'banned'].map((n) => [HTCONDOR, io(payload(n))]),
    [ARC, io(undefined, arcEnv)],
  ];
  for (const [argv, ioFor] of runs) await main(argv, ioFor);
  // Through the real descriptors: the payload on the stdin pipe, then ARC's environment.
  const codes = [await main(HTCONDOR)];
  Object.assign(process.env, arcEnv);
  codes.push(await main(ARC));
  if (codes.some((c) => c !== 0)) throw new Error(`a code cache callout did not map (exit ${codes.join(', ')})`);
  writeFileSync(cachePath, script.createCachedData());
}
