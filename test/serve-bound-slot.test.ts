// The evaluator thread leaves the bounds of each evaluation in memory it shares with the main thread,
// which reads them while the thread may be writing the next ones (serve/bound-slot.ts). A torn read
// would time a runaway regex with another request's bounds, or cut a healthy decision: a real second
// thread posts as fast as it can while this one reads, and every bound read is one that was posted
// whole, for the request asked about.
import t from 'tap';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BoundSlot } from '../src/serve/bound-slot.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const POSTS = 300_000;

// Every field is a function of the id, so a mix of two posts shows.
const boundOf = (id: number) => ({ wallMs: id * 2, cpuMs: id * 3 + 0.5, start: id * 5, cpu0: id % 3 ? id * 7 : null });

t.test('posted bounds are read back for their request only, and an unknown request has none', async (t) => {
  const slot = new BoundSlot(BoundSlot.memory());
  t.equal(slot.read(0), null, 'nothing posted yet');
  t.equal(slot.read(1), null);
  slot.post(7, boundOf(7));
  t.same(slot.read(7), boundOf(7));
  t.equal(slot.read(8), null, 'another request');
  slot.post(9, boundOf(9));
  t.same(slot.read(9), boundOf(9), 'a null CPU time stays null');
  t.equal(slot.read(7), null, 'the earlier request is gone');
  slot.post(10, { wallMs: 5, cpuMs: Infinity, start: 1, cpu0: 2 });
  t.same(slot.read(10), { wallMs: 5, cpuMs: Infinity, start: 1, cpu0: 2 }, "a pool's budget without end stays so");
  slot.post(11, { wallMs: NaN, cpuMs: -1, start: 1, cpu0: 2 });
  t.same(slot.read(11), { wallMs: 0, cpuMs: 0, start: 1, cpu0: 2 }, 'a bound that is not a number is none left');
});

t.test('while another thread posts, every read is whole and for the request asked about', async (t) => {
  const memory = BoundSlot.memory();
  const slot = new BoundSlot(memory);
  const latest = new Int32Array(new SharedArrayBuffer(4));
  const module = pathToFileURL(`${ROOT}/dist/serve/bound-slot.js`).href;
  const worker = new Worker(
    `const { workerData: w } = require('node:worker_threads');
     import(${JSON.stringify(module)}).then(({ BoundSlot }) => {
       const slot = new BoundSlot(w.memory);
       const latest = new Int32Array(w.latest);
       for (let id = 1; id <= ${POSTS}; id++) {
         slot.post(id, { wallMs: id * 2, cpuMs: id * 3 + 0.5, start: id * 5, cpu0: id % 3 ? id * 7 : null });
         Atomics.store(latest, 0, id);
       }
     });`,
    { eval: true, workerData: { memory, latest: latest.buffer } },
  );
  const exited = new Promise((resolve) => worker.on('exit', resolve));
  let whole = 0;
  const wrong: string[] = [];
  const until = Date.now() + 60_000;
  while (Atomics.load(latest, 0) < POSTS && Date.now() < until)
    for (const id of [Atomics.load(latest, 0), Atomics.load(latest, 0) + 1]) {
      const b = slot.read(id);
      if (b === null) continue;
      whole++;
      if (JSON.stringify(b) !== JSON.stringify(boundOf(id)) && wrong.length < 5)
        wrong.push(`${id}: ${JSON.stringify(b)}`);
    }
  await exited;
  t.equal(Atomics.load(latest, 0), POSTS, 'the other thread posted them all');
  t.same(wrong, [], 'no read mixed two posts or answered for another request');
  t.ok(whole > 0, `some reads overlapped the posts (${whole} whole reads)`);
});
