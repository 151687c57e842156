// explain --arc-subject and --from-env decide what the callouts decide: the same reader of %D and of the
// BEARER_TOKEN_0_* environment, the same engine, so the same exit code and, when mapped, the same identity
// the callout prints. Every shipped claims set, on the shipped configurations.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arc7Env } from '../src/claims/arc7-env.js';
import { htcondorEnv } from './helpers/ce-env.js';
import { ROOT, runBin } from './helpers/run.js';

const CONFIG = join(ROOT, 'mapfiles/tokenmap.ini');
const ARC_CONFIG = join(ROOT, 'mapfiles/arc/tokenmap.ini');
const TOKENS = join(ROOT, 'mapfiles/tokens');
const payloads = readdirSync(TOKENS)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(TOKENS, f), 'utf8')) as Record<string, unknown>] as const);

interface Mode {
  name: string;
  config: string;
  callout: (p: Record<string, unknown>) => [string[], Record<string, string>];
  explain: (p: Record<string, unknown>) => [string[], Record<string, string>];
  identity: 'arc' | 'htcondor';
}

const modes: Mode[] = [
  {
    name: 'ARC 6 (%D)',
    config: ARC_CONFIG,
    callout: (p) => [['arc-plugin', `${p.iss}/${p.sub}`], {}],
    explain: (p) => [['--arc-subject', `${p.iss}/${p.sub}`], {}],
    identity: 'arc',
  },
  {
    name: 'ARC 7 (environment)',
    config: ARC_CONFIG,
    callout: (p) => [['arc-plugin', `${p.iss}/${p.sub}`], arc7Env(p)],
    explain: (p) => [['--from-env'], arc7Env(p)],
    identity: 'arc',
  },
  {
    name: 'HTCondor (environment)',
    config: CONFIG,
    callout: (p) => [['htcondor-plugin'], htcondorEnv(p)],
    explain: (p) => [['--from-env'], htcondorEnv(p)],
    identity: 'htcondor',
  },
];

for (const mode of modes)
  t.test(mode.name, async (t) => {
    for (const [name, payload] of payloads) {
      const [cargs, cenv] = mode.callout(payload);
      const callout = await runBin([cargs[0] as string, '--config', mode.config, ...cargs.slice(1)], {
        env: cenv,
        stdin: '',
      });
      const [eargs, eenv] = mode.explain(payload);
      const r = await runBin(['explain', '--json', '--config', mode.config, ...eargs], { env: eenv });
      const doc = JSON.parse(r.stdout.toString()) as Record<string, string>;
      t.equal(r.code, callout.code, `${name}: explain exits as the callout does (${doc.result}: ${doc.reason})`);
      // HTCondor's plugin leaves out @UID_DOMAIN (users.htcondor.org here); HTCondor adds it back.
      const printed = callout.stdout.toString().replace(/\n$/, '');
      const seen = mode.identity === 'htcondor' && !printed.includes('@') ? `${printed}@users.htcondor.org` : printed;
      if (callout.code === 0) t.equal(doc[mode.identity], seen, `${name}: the identity the callout prints`);
    }
  });
