// Writes dist/tokenmap.cjs.cache: V8's code cache of the bundle, taken after running the callout paths
// on the bundled example configuration, so that it holds the functions a callout compiles.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { loadBundle } = require('../bin/load-bundle.cjs');
const { main, memoryIo, script, cachePath } = loadBundle(false);

const payload = (name) => readFileSync(`mapfiles/tokens/${name}.json`);
const io = (stdin, env = {}) => memoryIo({ stdin, env, self: 'bin/tokenmap' });
const egi = JSON.parse(payload('egi-biomed-pilot'));
const arcEnv = {
  BEARER_TOKEN_0_ISSUER: egi.iss,
  BEARER_TOKEN_0_SUBJECT: egi.sub,
  BEARER_TOKEN_0_CLAIM_iss_0: egi.iss,
  BEARER_TOKEN_0_CLAIM_sub_0: egi.sub,
  BEARER_TOKEN_0_CLAIM_scope_0: egi.scope,
  BEARER_TOKEN_0_CLAIM_voperson_id_0: egi.voperson_id,
  X509_SUBJECT_NAME: `${egi.iss}/${egi.sub}`,
};
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
  ...['atlas-production', 'egi-biomed-pilot', 'fnal-pilot', 'banned'].map((n) => [
    ['htcondor-plugin', '--config', 'mapfiles/tokenmap.ini'],
    io(payload(n)),
  ]),
  [['arc-plugin', '--config', 'mapfiles/tokenmap.ini'], io(undefined, arcEnv)],
];
for (const [argv, ioFor] of runs) await main(argv, ioFor);
writeFileSync(cachePath, script.createCachedData());
