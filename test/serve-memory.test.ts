// The service holds nothing per decision: its memory stays flat however many decisions it makes (the
// bench runs 1,000,000). Here 20,000, in the service's own code (the build in dist/), in a plain Node
// process: the test runner's coverage would otherwise grow the heap itself.
import t from 'tap';
import { join } from 'node:path';
import { put, scratch } from './helpers/files.js';
import { ROOT, runBin } from './helpers/run.js';

t.setTimeout(300_000);

const probe = `
const dist = ${JSON.stringify(join(ROOT, 'dist'))};
const { DecisionService } = await import(dist + '/serve/decision-service.js');
const { RuleCache } = await import(dist + '/serve/rule-cache.js');
const { Metrics } = await import(dist + '/serve/metrics.js');
const { main } = await import(dist + '/cli/main.js');
const { readFileSync } = await import('node:fs');
const config = ${JSON.stringify(join(ROOT, 'mapfiles/tokenmap.ini'))};
const metrics = new Metrics();
const service = new DecisionService({ main, cache: new RuleCache({ config }, Date.now), metrics, budgetMs: 5000, self: 'x' });
const payloads = ['atlas-production', 'egi-biomed-pilot', 'banned', 'expired'].map((n) =>
  readFileSync(${JSON.stringify(join(ROOT, 'mapfiles/tokens'))} + '/' + n + '.json'));
const ask = (i) => service.answer({ args: ['htcondor-plugin', '--config', config], env: {}, stdin: payloads[i % 4] });
const heap = () => (gc(), gc(), process.memoryUsage().heapUsed);
const marks = [];
for (let i = 0; i < 22000; i++) {
  if (i % 2000 === 0 && i >= 2000) marks.push(heap());
  await ask(i);
}
marks.push(heap());
console.log(JSON.stringify({ marks, decisions: [...metrics.decisions.values()].reduce((a, b) => a + b), rules: metrics.byRule.size }));
`;

t.test('20,000 decisions: a flat heap, every decision counted, a bounded set of metric labels', async (t) => {
  // A clean process, started by bash: tap's process-info hook puts its loaders into every child it starts.
  const file = put(scratch(), 'probe.mjs', probe);
  const r = await runBin(['-c', `exec env -i PATH="$PATH" ${JSON.stringify(process.execPath)} --expose-gc ${file}`], {
    via: '/bin/bash',
    killAfterMs: 240_000,
  });
  t.equal(r.code, 0, r.stderr);
  const { marks, decisions, rules } = JSON.parse(r.stdout.toString()) as {
    marks: number[];
    decisions: number;
    rules: number;
  };
  const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
  t.comment(`heap every 2,000 decisions after the first 2,000: ${marks.map(kib).join(', ')}`);
  const [first, last] = [marks[0] as number, marks[marks.length - 1] as number];
  t.ok(last - first < 1024 * 1024, `20,000 decisions moved the heap by ${kib(last - first)}`);
  t.equal(decisions, 22000);
  t.ok(rules <= 4, 'one label per deciding rule');
});
