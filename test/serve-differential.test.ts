// The acceptance of the warm path: every fixture, every malformed input, and a sample of generated
// payloads give byte-identical stdout and the same exit code through tokenmap-callout with the service
// up (through the Unix socket, and through the fast lane on a privileged loopback port), through
// tokenmap-callout with no service (its fallback), and through the cold tokenmap.
import t from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arc7Env, htcondorEnv } from './helpers/ce-env.js';
import { scratch } from './helpers/files.js';
import { ROOT, runBin, type RunOptions } from './helpers/run.js';
import { metric, runCallout, startService } from './helpers/service.js';

t.setTimeout(900_000); // a few hundred process starts on a shared machine

const CONFIG = join(ROOT, 'mapfiles/tokenmap.ini');
const MAPFILE = join(ROOT, 'mapfiles/condor_mapfile');
const POLICIES = join(ROOT, 'mapfiles/policies.d');
const fixtures = readdirSync(join(ROOT, 'mapfiles/tokens'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map(
    (f) => [f, JSON.parse(readFileSync(join(ROOT, 'mapfiles/tokens', f), 'utf8'))] as [string, Record<string, unknown>],
  );

interface Case {
  name: string;
  args: string[];
  opts: RunOptions;
}

const viaConfig = ['--config', CONFIG];
const viaFlags = ['--mapfile', MAPFILE, '-c', POLICIES];
const cases: Case[] = [];
const condor = (name: string, stdin: string | Buffer, env: Record<string, string> = {}, rules = viaConfig) =>
  cases.push({ name: `htcondor ${name}`, args: ['htcondor-plugin', ...rules], opts: { stdin, env } });
const arc = (name: string, env: Record<string, string>, subject: string[] = [], rules = viaConfig) =>
  cases.push({ name: `arc ${name}`, args: ['arc-plugin', ...rules, ...subject], opts: { stdin: 'open', env } });

for (const [file, p] of fixtures) {
  condor(file, JSON.stringify(p), htcondorEnv(p));
  condor(`${file}, environment only`, '', htcondorEnv(p));
  condor(`${file}, -c/--mapfile`, JSON.stringify(p), {}, viaFlags);
  arc(`${file}, ARC 7`, arc7Env(p));
  arc(`${file}, ARC 6 %D`, {}, [`${p.iss}/${p.sub}`]);
}
const atlas = fixtures.find(([f]) => f === 'atlas-production.json')?.[1] ?? {};
for (const [name, stdin] of [
  ['not JSON', 'eyJhbGciOi'],
  ['an array', '[1,2]'],
  ['aud holding a number', JSON.stringify({ ...atlas, aud: ['https://ce.example.org', 7] })],
  ['a duplicate member', '{"iss":"https://atlas-auth.web.cern.ch/","sub":"a","sub":"b"}'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x69, 0x73, 0x73, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
  ['a NUL byte', Buffer.concat([Buffer.from(JSON.stringify(atlas)), Buffer.from([0])])],
  ['a NUL byte inside', Buffer.from(JSON.stringify(atlas).replace('atlas', 'at\0las'), 'latin1')],
  ['no iss', '{"sub":"a"}'],
  ['deep nesting (over what the client forwards)', '['.repeat(100000) + ']'.repeat(100000)],
  ['10 MiB of spaces', Buffer.alloc(10 << 20, 0x20)],
  ['trailing newline and CR', JSON.stringify(atlas) + '\r\n'],
] as const)
  condor(name, stdin);
condor('nothing at all', '');
condor('an issuer contradicting the payload', JSON.stringify(atlas), { BEARER_TOKEN_0_ISSUER: 'https://other/' });
condor('TOKENMAP_DEBUG=1 and an error', '{"iss":1}', { TOKENMAP_DEBUG: '1' });
condor('TOKENMAP_CONFIG instead of --config', JSON.stringify(atlas), { TOKENMAP_CONFIG: CONFIG }, []);
cases.push({ name: 'htcondor --help', args: ['htcondor-plugin', '--help'], opts: { stdin: '' } });
cases.push({ name: 'htcondor bad option', args: ['htcondor-plugin', '--nope'], opts: { stdin: '' } });
cases.push({
  name: 'htcondor --uid-domain',
  args: ['htcondor-plugin', ...viaConfig, '--uid-domain', 'x.org'],
  opts: { stdin: JSON.stringify(atlas) },
});
arc('no input at all', {});
arc('a certificate DN', arc7Env(atlas, '/DC=org/CN=Alice'), ['/DC=org/CN=Alice']);

// Generated payloads: the fixtures' issuers, subjects, scopes and groups recombined, with wrong types.
const pick = <T>(k: string, ...more: T[]) =>
  fc.constantFrom(...new Set([...fixtures.map(([, p]) => p[k] as T).filter((v) => v !== undefined), ...more]));
const claim = fc.record(
  {
    iss: fc.oneof(pick<string>('iss'), fc.constant('https://unknown.example/'), fc.constant(5)),
    sub: fc.oneof(pick<string>('sub'), fc.string({ maxLength: 8 })),
    aud: fc.oneof(pick<string>('aud'), fc.constant(['https://ce.example.org', 'x']), fc.constant('https://other/')),
    scope: fc.oneof(pick<string>('scope'), fc.constant('compute.read')),
    'wlcg.groups': fc.oneof(pick<string[]>('wlcg.groups'), fc.constant(['/cms', 1]), fc.constant('/cms')),
    'wlcg.ver': fc.oneof(fc.constant('1.0'), fc.constant(1)),
    eduperson_entitlement: pick<string[]>('eduperson_entitlement', [
      'urn:mace:egi.eu:group:biomed:role=pilot#aai.egi.eu',
    ]),
    voperson_id: pick<string>('voperson_id', 'someone@egi.eu'),
    jti: fc.uuid(),
    exp: fc.oneof(fc.constant(4102444800), fc.constant(1000), fc.constant('4102444800')),
    iat: fc.constant(1763800000),
  },
  { requiredKeys: ['iss'] },
);
fc.sample(claim, { numRuns: 40, seed: 11 }).forEach((p, i) => {
  const env = htcondorEnv(p);
  if (i % 2) condor(`generated #${i}`, JSON.stringify(p), typeof p.iss === 'string' ? env : {});
  else arc(`generated #${i}`, arc7Env(p));
});

t.test('service up (both lanes), service down (fallback) and cold: the same stdout bytes and exit code', async (t) => {
  const byConfig = await startService(viaConfig, { lane: true });
  const byFlags = await startService(viaFlags, { lane: true });
  t.teardown(() => Promise.all([byConfig.stop(), byFlags.stop()]));
  const down = join(scratch(), 'no-service.sock');
  const runCase = async (c: Case) => {
    const svc = c.args.includes('--mapfile') ? byFlags : byConfig;
    const [up, lane, fallback, cold] = await Promise.all([
      runCallout(svc.socket, c.args, c.opts),
      runCallout(svc.socket, c.args, c.opts, svc.port),
      runCallout(down, c.args, c.opts),
      runBin(c.args, c.opts),
    ]);
    t.equal(up.code, cold.code, `${c.name}: exit ${cold.code} with the service up`);
    t.equal(lane.code, cold.code, `${c.name}: exit ${cold.code} through the fast lane`);
    t.ok(lane.stdout.equals(cold.stdout), `${c.name}: stdout, fast lane`);
    t.notMatch(lane.stderr, /tokenmap-callout:/, `${c.name}: the fast lane did not have to fall back`);
    t.equal(fallback.code, cold.code, `${c.name}: exit ${cold.code} with the service down`);
    t.ok(up.stdout.equals(cold.stdout), `${c.name}: stdout ${JSON.stringify(cold.stdout.toString())}, service up`);
    t.ok(fallback.stdout.equals(cold.stdout), `${c.name}: stdout, service down`);
    t.notMatch(up.stderr, /tokenmap-callout:/, `${c.name}: the client did not have to fall back`);
  };
  for (let i = 0; i < cases.length; i += 4) await Promise.all(cases.slice(i, i + 4).map(runCase));
  const answered = async (socket: string) =>
    (await metric(socket, 'tokenmap_decisions_total{result="mapped"}')) +
    (await metric(socket, 'tokenmap_decisions_total{result="declined"}')) +
    (await metric(socket, 'tokenmap_decisions_total{result="error"}'));
  const served = (await answered(byConfig.socket)) + (await answered(byFlags.socket));
  t.comment(`${cases.length} cases; ${served} answered by the service, the rest handed to the cold path by design`);
  // Four stdins the client does not forward (two with a NUL byte, two over its forwarding cap); each
  // other case once through each lane.
  t.equal(served, 2 * (cases.length - 4), 'every other case was answered by the service itself, in both lanes');
});
