// The fast argv path of the callout commands gives exactly what commander gives, or steps aside.
import t from 'tap';
import { COMMANDS } from '../src/cli/commands.js';
import { parseFast } from '../src/cli/fast-argv.js';
import { buildProgram } from '../src/cli/program.js';
import { memoryIo } from '../src/io/memory-io.js';

const quietIo = memoryIo({ stdin: 'tty', now: () => 0 });

async function viaCommander(argv: string[]): Promise<{ args: string[]; opts: Record<string, unknown> } | null> {
  let seen: { args: string[]; opts: Record<string, unknown> } | null = null;
  const specs = COMMANDS.map((c) => ({
    ...c,
    run: async (args: string[], opts: Record<string, unknown>) => ((seen = { args, opts }), 0),
  }));
  try {
    await buildProgram(specs, quietIo, '0', argv.slice(1), () => {}).parseAsync(argv, { from: 'user' });
  } catch {
    return null;
  }
  return seen;
}

const cases: string[][] = [
  ['lookup', '--mapfile', 'm', 'p'],
  ['lookup', '--mapfile=m', 'p', 'q'],
  ['lookup', 'p', '--mapfile', 'm', '--json', '--method', 'ssl'],
  ['lookup', '--mapfile', 'm', '--regex-keys', '--timeout', '0.5', '-'],
  ['lookup', '--mapfile', 'm', '--hash-keys', 'p'],
  ['lookup', '--mapfile', 'm', '--', '--not-an-option'],
  ['lookup', '--mapfile', 'm', '--exclude-regexp', '\\.bak$', 'p'],
];
const stepsAside: string[][] = [
  ['lookup', '--help'],
  ['lookup', '-h'],
  ['lookup', '--mapfile'],
  ['lookup', 'p'],
  ['lookup', '--mapfile', 'm', '--bogus', 'p'],
  ['lookup', '--mapfile', 'm', '--hash-keys', '--regex-keys', 'p'],
  ['lookup', '--mapfile', 'm', '--timeout', 'soon', 'p'],
  ['lookup', '--mapfile', 'm', '--json=yes', 'p'],
];

for (const argv of cases) {
  t.test(argv.join(' '), async (t) => {
    const spec = COMMANDS.find((c) => c.name === argv[0]);
    const fast = spec && parseFast(spec, argv.slice(1));
    t.ok(fast, 'the fast path takes it');
    t.same(fast, await viaCommander(argv), 'same arguments and options as commander');
  });
}
for (const argv of stepsAside) {
  t.test(`steps aside: ${argv.join(' ')}`, async (t) => {
    const spec = COMMANDS.find((c) => c.name === argv[0]);
    t.equal(spec && parseFast(spec, argv.slice(1)), null, 'left to commander (help, or its usage error)');
  });
}
