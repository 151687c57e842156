/**
 * How much more CPU time a callout's main() takes, in this process, on a large input than on a small one:
 * the median of five interleaved runs each, after three warm-up runs of the small one (compiled and warm
 * before measuring). Scaling tests compare this ratio with the inputs' size ratio (linear work gives about
 * that ratio, quadratic work its square), never a time with a limit.
 */
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/io/memory-io.js';

export interface Callout {
  argv: string[];
  stdin: string;
  /** What a run must answer (stdout), else the measure is of a failure: a thrown error says which. */
  answer?: string;
}

async function cpuMs(c: Callout): Promise<number> {
  const start = process.cpuUsage();
  const io = memoryIo({ stdin: c.stdin, env: {}, self: 'tokenmap' });
  const code = await main(c.argv, io);
  const used = process.cpuUsage(start);
  if (code === 2 || (c.answer !== undefined && io.stdout().toString() !== c.answer))
    throw new Error(`exit ${code}: ${io.stderr()}`);
  return (used.user + used.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function growth(small: Callout, large: Callout): Promise<number> {
  for (let i = 0; i < 3; i++) await cpuMs(small);
  const s: number[] = [];
  const l: number[] = [];
  for (let i = 0; i < 5; i++) {
    s.push(await cpuMs(small));
    l.push(await cpuMs(large));
  }
  return median(l) / Math.max(median(s), 0.05);
}
