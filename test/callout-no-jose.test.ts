// The callouts never load the verifier: jose and src/tokens/ verification live in dist/tokens.cjs, which
// only explain, test and keys require. Checked on the built files and on real runs (a module probe lists
// what each process required), with explain as the control that does load it.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { BIN, ROOT, runBin } from './helpers/run.js';

const probe = put(
  scratch(),
  'probe.cjs',
  "process.on('exit', () => require('fs').writeSync(2, 'REQUIRED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n",
);
const CONFIG = join(ROOT, 'mapfiles/tokenmap.ini');

async function required(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) {
  // The launcher clears NODE_OPTIONS (a CE's environment must not change a callout): the probe goes to the
  // Node side of the launcher directly.
  const r = await runBin(['-u', 'NODE_OPTIONS', process.execPath, '--require', probe, `${BIN}.cjs`, ...args], {
    via: '/usr/bin/env',
    ...opts,
  });
  const m = /REQUIRED (.*)/.exec(r.stderr);
  return { code: r.code, files: m ? (JSON.parse(m[1] as string) as string[]) : null };
}

t.test('the callout bundle holds no jose', async (t) => {
  const bundle = readFileSync(join(ROOT, 'dist/tokenmap.cjs'), 'utf8');
  t.notMatch(bundle, /ERR_JWS_SIGNATURE_VERIFICATION_FAILED|compactVerify/);
  t.match(readFileSync(join(ROOT, 'dist/tokens.cjs'), 'utf8'), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
});

t.test('htcondor-plugin and arc-plugin never require dist/tokens.cjs; explain does', async (t) => {
  const payload = readFileSync(join(ROOT, 'mapfiles/tokens/egi-biomed-pilot.json'), 'utf8');
  const condor = await required(['htcondor-plugin', '--config', CONFIG], { stdin: payload });
  t.equal(condor.code, 0);
  t.ok(
    condor.files?.some((f) => f.endsWith('load-bundle.cjs')),
    'the probe saw the launcher',
  );
  t.notOk(
    condor.files?.some((f) => f.endsWith('tokens.cjs') || f.includes('jose')),
    'no verifier',
  );
  const egi = JSON.parse(payload);
  const arc = await required(['arc-plugin', '--config', CONFIG], {
    env: {
      BEARER_TOKEN_0_ISSUER: egi.iss,
      BEARER_TOKEN_0_SUBJECT: egi.sub,
      BEARER_TOKEN_0_CLAIM_scope_0: egi.scope,
      X509_SUBJECT_NAME: `${egi.iss}/${egi.sub}`,
    },
  });
  t.equal(arc.code, 0);
  t.notOk(
    arc.files?.some((f) => f.endsWith('tokens.cjs')),
    'no verifier',
  );
  const explain = await required([
    'explain',
    '--config',
    CONFIG,
    '--token-file',
    join(ROOT, 'mapfiles/tokens/atlas-production.jwt'),
  ]);
  t.equal(explain.code, 0);
  t.ok(
    explain.files?.some((f) => f.endsWith('dist/tokens.cjs')),
    'explain requires the verifier',
  );
});
