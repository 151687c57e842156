/**
 * Where the service decides rules that run a regex from the configuration (deciders.ts decides the others
 * on the main thread): one long-lived evaluator thread (evaluator-thread.ts), bounded from here. A
 * JavaScript RegExp cannot be interrupted from its own thread except by node:vm, whose watchdog is a new
 * thread per call (about 70% of an in-service decision). Here the one thread that
 * evaluates is timed by the main thread, and terminated when an evaluation runs past its wall-clock bound
 * or its CPU budget (`[limits] regex_budget`, that thread's own CPU time), or a request past `[serve]
 * budget`. A terminated decision was neither answered nor audited: it is handed to the cold path, which
 * decides and audits it once, with its full deadline. A spare thread, started and loaded beforehand,
 * takes over at once (starting a thread and building the rules takes 100 ms or more on a busy machine),
 * and a new spare is started. The main thread never runs such rules, so it keeps answering.
 */
import { Worker } from 'node:worker_threads';
import { BoundSlot } from './bound-slot.js';
import { clock, type EvaluatorData, type FromThread, type ToThread } from './evaluator-thread.js';
import type { Metrics } from './metrics.js';
import { fallbackFrame, type CalloutRequest, type FallbackReason } from './protocol.js';
import type { Served } from './rule-cache.js';
import { threadCpuMs } from './thread-cpu.js';

export interface EvaluatorOptions {
  /** bin/load-bundle.cjs: the thread loads the bundle through it (with the code cache) and runs runEvaluator(). */
  loader: string;
  served: Served;
  /** Milliseconds a request may take in the service once taken up; later, the cold path decides it. */
  budgetMs: number;
  self: string;
  metrics: Metrics;
  log: (line: string) => void;
}

interface Pending {
  id: number;
  req: CalloutRequest;
  /** clock() when the request arrived. */
  arrived: number;
  /** clock() when the thread took it up (about: when it became the first of those sent). */
  started?: number;
  resolve: (frame: Buffer) => void;
}

/**
 * Requests sent to the thread ahead of its answers (it takes them one at a time, in order): a round trip
 * per decision would leave it idle between them, and a burst would wait out its budget in the queue.
 */
const WINDOW = 32;

/**
 * A request that waited this long past its budget before the thread could take it up is not taken up:
 * its client has given up (tokenmap-callout's default bound is 2 s) and runs the cold path, which would
 * decide and audit it a second time.
 */
const STALE_MS = 2000;

/** The timer fires a little after the CPU time it allowed was used (as in runBudgeted). */
const CPU_SLACK = 0.9;
/**
 * How long after the thread took a request up the timer first looks for the bounds it posted (and again
 * after that until they are there): most decisions are over well before it, and never wake this thread.
 */
const LOOK_MS = 1;
/** A thread that dies before it is ready is replaced after this long, not in a tight loop. */
const RESPAWN_DELAY_MS = 200;

/** One evaluator thread, from its start to its end. */
class Thread {
  readonly worker: Worker;
  tid: number | null = null;
  isReady = false;
  readonly slot: BoundSlot;
  readonly ready: Promise<void>;

  constructor(
    o: EvaluatorOptions,
    onMessage: (t: Thread, m: Exclude<FromThread, { t: 'ready' }>) => void,
    onExit: (t: Thread) => void,
  ) {
    const memory = BoundSlot.memory();
    this.slot = new BoundSlot(memory);
    const data: EvaluatorData = { served: o.served, budgetMs: o.budgetMs, self: o.self, slot: memory };
    this.worker = new Worker(`require(${JSON.stringify(o.loader)}).loadBundle().runEvaluator()`, {
      eval: true,
      workerData: data,
    });
    this.ready = new Promise((resolve) => {
      this.worker.on('message', (m: FromThread) => {
        if (m.t !== 'ready') return onMessage(this, m);
        this.tid = m.tid;
        this.isReady = true;
        resolve();
      });
      this.worker.on('error', (e) => o.log(`tokenmap serve: evaluator thread failed: ${String(e?.message ?? e)}`));
      this.worker.on('exit', () => (resolve(), onExit(this)));
    });
  }

  post(m: ToThread): void {
    if (this.isReady) this.worker.postMessage(m);
  }
}

export class Evaluator {
  /** The thread that answers; null only between a failed thread and its replacement. */
  private active: Thread | null = null;
  private spare: Thread | null = null;
  private stopped = false;
  /** Not sent yet. */
  private readonly queue: Pending[] = [];
  /** Sent, in order; the first is the one the thread is on. */
  private inflight: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;

  private constructor(private readonly o: EvaluatorOptions) {}

  /** Starts the answering thread (resolves once it has built the rules, or failed to) and a spare. */
  static async start(o: EvaluatorOptions): Promise<Evaluator> {
    const e = new Evaluator(o);
    const first = e.thread();
    e.active = first;
    await first.ready;
    if (!first.isReady) {
      await e.stop();
      throw new Error('the evaluator thread did not start');
    }
    e.spare = e.thread();
    return e;
  }

  answer(req: CalloutRequest): Promise<Buffer> {
    if (this.stopped) return Promise.resolve(this.fallback('not-loaded'));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, req, arrived: clock(), resolve });
      this.dispatch();
    });
  }

  /** One watcher tick: the threads check the rules' files (between decisions). */
  poll(): void {
    this.active?.post({ t: 'poll' });
    this.spare?.post({ t: 'poll' });
  }

  /** SIGHUP: the threads rebuild everything. */
  reloadAll(): void {
    this.active?.post({ t: 'reload' });
    this.spare?.post({ t: 'reload' });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const p of [...this.inflight, ...this.queue.splice(0)]) p.resolve(this.fallback('not-loaded'));
    this.inflight = [];
    const threads = [this.active, this.spare];
    this.active = this.spare = null;
    await Promise.all(threads.map((t) => t?.worker.terminate()));
  }

  private thread(): Thread {
    return new Thread(
      this.o,
      (t, m) => this.onMessage(t, m),
      (t) => this.onExit(t),
    );
  }

  private onMessage(t: Thread, m: Exclude<FromThread, { t: 'ready' }>): void {
    const p = this.inflight[0];
    if (t !== this.active || !p || p.id !== m.id) return;
    this.inflight.shift();
    if (m.t === 'late') p.resolve(this.fallback('over-budget'));
    else {
      for (const c of m.counted)
        if (c[0] === 'decision') this.o.metrics.decision(c[1], c[2], c[3]);
        else this.o.metrics.fallback(c[1]);
      p.resolve(Buffer.from(m.frame.buffer, m.frame.byteOffset, m.frame.byteLength));
    }
    this.armHead();
    this.dispatch();
  }

  /** A thread ended that we did not end: whatever it was answering goes to the cold path. */
  private onExit(t: Thread): void {
    if (this.stopped) return;
    if (t === this.active) {
      if (t.isReady) this.replace('not-loaded');
      else setTimeout(() => this.active === t && !this.stopped && this.replace('not-loaded'), RESPAWN_DELAY_MS);
    } else if (t === this.spare) {
      this.spare = null;
      setTimeout(() => {
        if (!this.stopped && !this.spare) this.spare = this.thread();
      }, RESPAWN_DELAY_MS);
    }
  }

  private dispatch(): void {
    const t = this.active;
    if (!t?.isReady || this.stopped) return;
    const idle = this.inflight.length === 0;
    while (this.inflight.length < WINDOW) {
      const p = this.queue.shift();
      if (!p) break;
      const deadline = p.arrived + this.o.budgetMs + STALE_MS;
      if (clock() >= deadline) {
        p.resolve(this.fallback('over-budget'));
        continue;
      }
      this.inflight.push(p);
      t.post({ t: 'answer', id: p.id, req: p.req, deadline });
    }
    if (idle) this.armHead();
  }

  /**
   * The request the thread is on may take `[serve] budget` from when it was taken up (as on the service's
   * own thread before: waiting behind others does not count against a decision), and, once its evaluation
   * has started, the `wallMs` (no longer than what is left of the budget) and `cpuMs` of the thread's CPU
   * time it posted (bound-slot.ts). Past either, the thread is terminated.
   */
  private armHead(): void {
    clearTimeout(this.timer);
    const p = this.inflight[0];
    const t = this.active;
    if (!p || !t) return;
    p.started ??= clock();
    const budgetEnd = p.started + this.o.budgetMs;
    const look = () => {
      const now = clock();
      if (now >= budgetEnd) return this.cut();
      const b = t.slot.read(p.id);
      let wait = Math.min(budgetEnd - now, LOOK_MS);
      if (b) {
        const end = Math.min(budgetEnd, b.start + b.wallMs);
        const cpuNow = b.cpu0 === null ? null : threadCpuMs(t.tid);
        // Without the thread's own CPU time, wall-clock time counts: stricter, and the cold path decides then.
        const used = b.cpu0 === null || cpuNow === null ? now - b.start : cpuNow - b.cpu0;
        if (used >= b.cpuMs * CPU_SLACK) return this.cut();
        wait = Math.min(end - now, b.cpuMs - used);
      }
      // Not `wait <= 0`: a bound that is not a number must cut, not wait for ever.
      if (!(wait > 0)) return this.cut();
      this.timer = setTimeout(look, Math.max(1, wait));
    };
    this.timer = setTimeout(look, Math.max(0, Math.min(budgetEnd - clock(), LOOK_MS)));
  }

  /** Terminates the answering thread mid-decision; its decision goes to the cold path. */
  private cut(): void {
    const t = this.active;
    this.replace('over-budget');
    if (t) void t.worker.terminate();
  }

  /**
   * The spare takes over from the answering thread (which is gone or going), and a new spare starts. The
   * request it was on goes to the cold path; those it had not started go to the new thread.
   */
  private replace(reason: FallbackReason): void {
    clearTimeout(this.timer);
    const [head, ...unstarted] = this.inflight;
    this.inflight = [];
    head?.resolve(this.fallback(reason));
    this.queue.unshift(...unstarted);
    const next = this.spare ?? this.thread();
    this.active = next;
    this.spare = null;
    void next.ready.then(() => {
      if (this.active !== next || this.stopped) return;
      if (!this.spare) this.spare = this.thread();
      this.dispatch();
    });
  }

  private fallback(reason: FallbackReason): Buffer {
    this.o.metrics.fallback(reason);
    return fallbackFrame(reason);
  }
}
