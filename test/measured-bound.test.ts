// serve's main thread holds a decision to the cold path's bounds after it ran (engine/bounded.ts
// measuredBound): past the CPU budget is BudgetExceeded, past the deadline DeadlineExceeded, as runBudgeted
// would have stopped it. The CPU time is the calling thread's own: the evaluator thread's work (another
// user's request) must not turn this decision into an error the cold path would not give.
import t from 'tap';
import { BudgetExceeded, DeadlineExceeded, measuredBound } from '../src/engine/bounded.js';

/** Runs for `ms` of wall-clock time. */
const busy = (ms: number) => () => {
  const end = performance.now() + ms;
  while (performance.now() < end);
  return 'answer';
};
/** What `fn` threw (its class is the verdict), or null. */
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
    return null;
  } catch (e) {
    return e;
  }
};
/** A thread CPU clock that reads `readings` in turn. */
const clock = (...readings: (number | null)[]) => {
  const calls: number[] = [];
  return { read: () => (calls.push(1), readings[calls.length - 1] ?? null), calls };
};

t.test('a quick decision: its answer, the clock read once', async (t) => {
  const c = clock(0, 1000);
  t.equal(measuredBound(c.read)(busy(1), 1000, 200), 'answer');
  t.equal(c.calls.length, 1, 'no second reading: CPU time cannot exceed wall-clock time');
});

t.test("the thread's own CPU time counts, not the process's", async (t) => {
  // 30 ms on the wall, of which this thread used 5 (the rest: another thread had the core).
  t.equal(measuredBound(clock(100, 105).read)(busy(30), 1000, 20), 'answer');
  t.ok(
    thrown(() => measuredBound(clock(100, 125).read)(busy(30), 1000, 20)) instanceof BudgetExceeded,
    'its own 25 ms: past 20',
  );
  t.ok(
    thrown(() => measuredBound(clock(100, 119).read)(busy(30), 1000, 20)) instanceof BudgetExceeded,
    "19 ms once the cold path's timer would have fired: past 90%",
  );
});

t.test('unknown CPU time: the wall clock counts (stricter)', async (t) => {
  t.ok(thrown(() => measuredBound(clock(null).read)(busy(30), 1000, 20)) instanceof BudgetExceeded);
});

t.test('past the deadline before the budget: DeadlineExceeded', async (t) => {
  t.ok(thrown(() => measuredBound(clock(0, 1).read)(busy(30), 10, 200)) instanceof DeadlineExceeded);
  t.ok(
    thrown(() => measuredBound(clock(0, 1).read)(busy(30), 25, 20)) instanceof DeadlineExceeded,
    'cold: past the deadline, not the budget',
  );
});
