// Point 11 of issue 7: a catastrophic regex costs about what PCRE2's match limit costs HTCondor (0.2 s by
// default, [limits] regex_budget), not the whole deadline, and stays fail-closed: exit 2 naming the line.
import t from 'tap';
import { put, scratch } from './helpers/files.js';
import { runBin } from './helpers/run.js';

const MAP = 'SCITOKENS /^https:\\/\\/iss\\.example,x/ x\nSCITOKENS /^https:\\/\\/iss\\.example,(a+)+$/ slow\n';
const PAYLOAD = JSON.stringify({ iss: 'https://iss.example', sub: 'a'.repeat(40) + 'b' });

t.test('the default budget cuts a catastrophic regex long before the deadline', async (t) => {
  const map = put(scratch(), 'condor_mapfile', MAP);
  const r = await runBin(['htcondor-plugin', '--mapfile', map, '--deadline', '20'], { stdin: PAYLOAD });
  t.equal(r.code, 2);
  t.equal(r.stdout.length, 0);
  t.match(
    r.stderr,
    /^tokenmap: \S+condor_mapfile:2: matching ran past its budget of 200 ms of CPU time \(\[limits\] regex_budget\) in this map line: [^\n]+; failing closed\n$/,
  );
  t.ok(r.ms < 3000, `cut after ${r.ms} ms (deadline 20 s)`);
});

t.test('[limits] regex_budget is configurable, and checked', async (t) => {
  const dir = scratch({ condor_mapfile: MAP });
  const config = (budget: string) =>
    put(
      dir,
      'tokenmap.ini',
      `[rules]\nsource[] = mapfile:condor_mapfile\n[tokens]\ncheck = no\n[limits]\nregex_budget = ${budget}\n`,
    );
  const r = await runBin(['arc-plugin', '--config', config('0.05')], {
    stdin: 'open',
    env: { BEARER_TOKEN_0_ISSUER: 'https://iss.example', BEARER_TOKEN_0_SUBJECT: 'a'.repeat(40) + 'b' },
  });
  t.equal(r.code, 2);
  t.match(r.stderr, /condor_mapfile:2: matching ran past its budget of 50 ms/);
  const zero = await runBin(['htcondor-plugin', '--config', config('0')], { stdin: PAYLOAD });
  t.equal(zero.code, 2);
  t.match(zero.stderr, /tokenmap\.ini:6: \[limits\] regex_budget must be more than 0 and at most 600 seconds, not 0/);
});

t.test('the budget counts CPU time: waiting for a core (a loaded CE) does not trip it', async (t) => {
  const { runBudgeted } = await import('../src/engine/bounded.js');
  let calls = 0;
  const waitsOnce = () => {
    // Blocks without using CPU, as a process does that the scheduler has not run.
    if (calls++ === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    return 'done';
  };
  t.equal(runBudgeted(waitsOnce, 5000, 100), 'done', 'cut by the timer, run again, answered');
  t.ok(calls >= 2, `run ${calls} times`);
  const spin = () => {
    for (;;);
  };
  const started = performance.now();
  t.throws(() => runBudgeted(spin, 5000, 100), { message: /CPU budget of 100 ms/ }, 'a busy loop uses its budget');
  t.ok(performance.now() - started < 3000, 'and is stopped long before the deadline');
});
