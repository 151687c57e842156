// One duration style in every line (src/duration.ts): `45 s`, `12 min`, `2 h 14 min`, `3 d 4 h`, `1112 d`.
import t from 'tap';
import fc from 'fast-check';
import { formatDuration } from '../src/duration.js';

const UNIT: Record<string, number> = { s: 1, min: 60, h: 3600, d: 86400 };

/** What a written duration says, in seconds; null when it is not in the one style. */
function parse(text: string): { seconds: number; smallest: number } | null {
  const m = /^(\d+) (s|min|h|d)(?: (\d+) (min|h))?$/.exec(text);
  if (!m) return null;
  const big = UNIT[m[2] as string] as number;
  if (m[3] === undefined) return { seconds: Number(m[1]) * big, smallest: big };
  const small = UNIT[m[4] as string] as number;
  return { seconds: Number(m[1]) * big + Number(m[3]) * small, smallest: small };
}

t.test('the steps and their bounds', async (t) => {
  const cases: [number, string][] = [
    [0, '0 s'],
    [0.4, '0 s'],
    [45, '45 s'],
    [119, '119 s'],
    [119.5, '2 min'],
    [120, '2 min'],
    [149, '2 min'],
    [150, '3 min'],
    [600, '10 min'],
    [3599, '1 h'],
    [3600, '1 h'],
    [2 * 3600 + 14 * 60, '2 h 14 min'],
    [2 * 3600 + 14 * 60 + 29, '2 h 14 min'],
    [2 * 3600 + 14 * 60 + 30, '2 h 15 min'],
    [86369, '23 h 59 min'],
    [86370, '1 d'],
    [86399, '1 d'],
    [86400, '1 d'],
    [3 * 86400, '3 d'],
    [3 * 86400 + 4 * 3600, '3 d 4 h'],
    [4 * 86400 - 1, '4 d'],
    [100 * 86400 - 1800, '100 d'],
    [96123449, '1113 d'],
    [-7200, '2 h'],
    [1e300, `${BigInt(Math.round(1e300 / 86400))} d`],
    [Infinity, 'an unbounded time'],
  ];
  for (const [s, want] of cases) t.equal(formatDuration(s), want, String(s));
});

const seconds = fc.oneof(
  fc.integer({ min: 0, max: 400 * 86400 }),
  fc.double({ min: 0, max: 400 * 86400, noNaN: true }),
  // around every step bound, where rounding carries
  fc
    .tuple(fc.constantFrom(120, 3600, 86400, 100 * 86400), fc.double({ min: -2000, max: 2000, noNaN: true }))
    .map(([b, d]) => Math.max(0, b + d)),
);

t.test('property: one style, parses back within half the smallest unit shown', async () => {
  fc.assert(
    fc.property(seconds, (s) => {
      const text = formatDuration(s);
      const p = parse(text);
      if (!p) return false;
      if (/\b60 min\b|\b24 h\b|\b(1[2-9]\d|[2-9]\d\d|\d{4,}) s\b/.test(text)) return false;
      return Math.abs(p.seconds - s) <= p.smallest / 2 && formatDuration(-s) === text;
    }),
    { numRuns: 5000 },
  );
});

t.test('property: monotonic (a longer time is never written shorter)', async () => {
  fc.assert(
    fc.property(seconds, seconds, (a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return (parse(formatDuration(lo))?.seconds ?? NaN) <= (parse(formatDuration(hi))?.seconds ?? NaN);
    }),
    { numRuns: 5000 },
  );
});
