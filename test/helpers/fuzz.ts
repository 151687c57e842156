/**
 * What every fuzz test shares: a deterministic seed (FUZZ_SEED overrides it; fast-check prints the seed
 * and path of a failure, so a CI failure replays with FUZZ_SEED=<seed>), a run count scaled by
 * FUZZ_SCALE, the invariants every run of the binary keeps, and the generators of hostile text.
 */
import fc from 'fast-check';

export const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

export function params<T>(numRuns: number, examples: T[] = []): fc.Parameters<T> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), examples };
}

export interface RunOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  ms?: number;
}

/** The contract of every run (issue 7): null when it holds, else what broke. */
export function contractBreach(r: RunOutcome, deadlineMs = 5000): string | null {
  if (r.code !== 0 && r.code !== 1 && r.code !== 2) return `exit ${r.code}`;
  if (r.code !== 0 && r.stdout !== '') return `exit ${r.code} with stdout ${JSON.stringify(r.stdout.slice(0, 80))}`;
  if (/\n\s+at \S+ \(|\bat \S+:\d+:\d+/.test(r.stderr)) return 'a stack trace on stderr';
  if (r.code === 2 && !/^tokenmap: /m.test(r.stderr) && !/^error: /m.test(r.stderr))
    return `exit 2 without an error line: ${JSON.stringify(r.stderr.slice(0, 200))}`;
  // Generous: a test runner on a loaded machine waits too; a hang is caught all the same.
  if (r.ms !== undefined && r.ms > deadlineMs + 10000) return `took ${r.ms} ms`;
  return null;
}

/** Characters that have broken parsers and identities before: separators, controls, bidi, quotes. */
const NASTY = [
  '',
  ' ',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\u0000',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\u202e',
  '\u2066',
  '\ufeff',
  ',',
  ':',
  '@',
  '/',
  '\\',
  '"',
  "'",
  '*',
  '#',
  '=',
  ';',
  '[',
  ']',
  '%',
  '__proto__',
  'PLUGIN:',
  '..',
  '~',
  'root',
  'daemon',
  'condor',
  '@banned.htcondor.org',
  '@daemon.htcondor.org',
  '@unmapped',
  'é',
  '\ud83d\ude00',
];

export const nasty = fc.constantFrom(...NASTY);

/** Text mixing ordinary words and the nasty pieces. */
export function hostileText(maxParts = 6): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(nasty, fc.stringMatching(/^[a-z0-9._-]{1,12}$/), fc.string({ maxLength: 6 })), {
      maxLength: maxParts,
    })
    .map((parts) => parts.join(''));
}
