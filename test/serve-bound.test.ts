// A pathological regex cannot hold the service: a decision that runs past `[limits] regex_budget` or
// `[serve] budget` in the service is handed to the cold path, which gives its exact answer (exit 2 naming
// the map line), it is audited once, and the service answers the other requests meanwhile and afterwards.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { runBin } from './helpers/run.js';
import { eventually, metric, runCallout, startService, status } from './helpers/service.js';

t.setTimeout(120_000);

const MAP = 'SCITOKENS /^https:\\/\\/iss\\.example,x/ x\nSCITOKENS /^https:\\/\\/iss\\.example,(a+)+$/ slow\n';
const SLOW = JSON.stringify({ iss: 'https://iss.example', sub: 'a'.repeat(40) + 'b' });
const GOOD = JSON.stringify({ iss: 'https://iss.example', sub: 'xavier' });

function site(limits: string) {
  const dir = scratch({ condor_mapfile: MAP });
  const audit = join(dir, 'audit.log');
  const config = put(
    dir,
    'tokenmap.ini',
    `[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[audit]\nlog = ${audit}\n${limits}`,
  );
  const lines = () =>
    readFileSync(audit, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { sub: string; result: string; code?: string });
  return { config, lines };
}

// The others are sent while the slow one runs in the service (cut after 0.2 s of CPU time, well within
// the others' 5 s budget), or, when it is cut at the service's budget, while its cold run goes on.
for (const [name, limits, meanwhile] of [
  ['[limits] regex_budget', '[serve]\nbudget = 5\n', 'in the service'],
  ['[serve] budget', '[limits]\nregex_budget = 1.5\ndeadline = 30\n[serve]\nbudget = 1\n', 'in the cold path'],
] as const)
  t.test(
    `past ${name}: the cold path's answer, audited once; the others answered by the service while it runs ${meanwhile}`,
    async (t) => {
      const s = site(limits);
      const argv = ['htcondor-plugin', '--config', s.config];
      const cold = await runBin(argv, { stdin: SLOW });
      t.equal(cold.code, 2);
      t.match(cold.stderr.toString(), /^tokenmap: \S+condor_mapfile:2: matching ran past its budget of \d+ ms of CPU/);
      const svc = await startService(['--config', s.config]);
      t.teardown(() => svc.stop());
      const slow = runCallout(svc.socket, argv, { stdin: SLOW });
      const handedBack = () => metric(svc.socket, 'tokenmap_fallbacks_total{reason="over-budget"}');
      if (meanwhile === 'in the cold path') await eventually(async () => (await handedBack()) === 1, 10_000);
      const good = await Promise.all([1, 2, 3, 4, 5].map(() => runCallout(svc.socket, argv, { stdin: GOOD })));
      const r = await slow;
      t.equal(r.code, cold.code, 'exit 2');
      t.equal(r.stdout.length, 0);
      t.equal(r.stderr.toString(), cold.stderr.toString(), "the cold path's stderr, byte for byte");
      t.same(
        good.map((g) => [g.code, g.stdout.toString()]),
        good.map(() => [0, 'x\n']),
      );
      const after = await runCallout(svc.socket, argv, { stdin: GOOD });
      t.equal(after.stdout.toString(), 'x\n', 'and afterwards');
      t.equal(await handedBack(), 1, 'handed back once');
      t.equal(await metric(svc.socket, 'tokenmap_decisions_total{result="mapped"}'), 6, 'the others by the service');
      const slowLines = s.lines().filter((l) => l.sub === 'a'.repeat(40) + 'b');
      t.equal(
        slowLines.length - 1,
        1,
        'the slow decision is audited once in the service run (plus the cold run above)',
      );
      t.equal(slowLines.at(-1)?.code, 'REGEX_BUDGET');
      t.equal(s.lines().filter((l) => l.sub === 'xavier').length, 6);
    },
  );

// Rules that run no configured regex are decided on the service's main thread, unbounded (deciders.ts);
// the check is made on the rules each decision gets. A reload that adds a real regex must send the next
// decision to the bounded evaluator thread: decided on the main thread, this one would hold the whole
// service for minutes ((a+)+$ on 40 a's), and the others would time out to the cold path.
t.test('a reload that adds a regex line moves its decisions to the bounded thread at once', async (t) => {
  const s = site('[serve]\nbudget = 5\n');
  const map = join(s.config, '..', 'condor_mapfile');
  put(join(s.config, '..'), 'condor_mapfile', 'SCITOKENS /^https:\\/\\/iss\\.example,x/ x\n');
  const argv = ['htcondor-plugin', '--config', s.config];
  const svc = await startService(['--config', s.config]);
  t.teardown(() => svc.stop());
  const before = await runCallout(svc.socket, argv, { stdin: GOOD });
  t.equal(before.stdout.toString(), 'x\n', 'a literal-prefix map: decided (on the main thread)');
  const generation = (await status(svc.socket)).generation as number;
  put(join(s.config, '..'), 'condor_mapfile', MAP);
  await eventually(async () => (await status(svc.socket)).generation !== generation, 10_000);
  t.equal(readFileSync(map, 'utf8'), MAP);
  const slow = runCallout(svc.socket, argv, { stdin: SLOW });
  const good = await Promise.all([1, 2, 3].map(() => runCallout(svc.socket, argv, { stdin: GOOD })));
  const r = await slow;
  t.equal(r.code, 2, 'the slow one: exit 2');
  t.match(r.stderr.toString(), /^tokenmap: \S+condor_mapfile:2: matching ran past its budget of \d+ ms of CPU/);
  t.same(
    good.map((g) => [g.code, g.stdout.toString()]),
    good.map(() => [0, 'x\n']),
    'the others meanwhile: answered',
  );
  t.equal(await metric(svc.socket, 'tokenmap_fallbacks_total{reason="over-budget"}'), 1, 'handed back by the thread');
  t.equal(await metric(svc.socket, 'tokenmap_decisions_total{result="mapped"}'), 4, 'the others by the service');
  t.equal(await metric(svc.socket, 'tokenmap_decisions_by_thread_total{thread="main"}'), 1, 'before: the main thread');
  t.equal(await metric(svc.socket, 'tokenmap_decisions_by_thread_total{thread="evaluator"}'), 3, 'after: the thread');
});
