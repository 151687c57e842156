/**
 * The one way tokenmap writes a length of time, in every message and in explain: `45 s`, `12 min`,
 * `2 h 14 min`, `3 d 4 h`, `1112 d`. The rules (README "Durations"):
 * - below 2 min: whole seconds; below 1 h: whole minutes; below 1 d: hours and minutes; below 100 d: days
 *   and hours; from 100 d: whole days. A zero second part is left out (`2 h`, `3 d`).
 * - the value is rounded once, half up, to the smallest unit shown, and then written; a value that rounds
 *   up to the next step is written in that step's units (86399 s is `1 d`, never `23 h 60 min` or `24 h`).
 * - the sign is the caller's: it says `ago` or `in`.
 */
const MIN = 60;
const HOUR = 3600;
const DAY = 86400;

/** The smallest unit shown for a value of this size (seconds). */
function precision(a: number): number {
  if (a < 2 * MIN) return 1;
  if (a < DAY) return MIN;
  if (a < 100 * DAY) return HOUR;
  return DAY;
}

/** Whole units as digits, without the exponent notation Number gives from 1e21. */
const whole = (n: number) => BigInt(n).toString();

export function formatDuration(seconds: number): string {
  const a = Math.abs(seconds);
  if (!Number.isFinite(a)) return 'an unbounded time';
  const unit = precision(a);
  // Rounding can reach a step's bound (119.6 s, 3599 s, 86399 s), never pass it: bounds are whole
  // multiples of every finer unit. What was rounded is written in the units of the step it reached.
  const n = Math.round(a / unit);
  if (unit === DAY) return `${whole(n)} d`;
  const r = n * unit; // exact: below 100 d * 1 h
  if (r < 2 * MIN) return `${r} s`;
  if (r < HOUR) return `${r / MIN} min`;
  if (r < DAY) return pair(Math.floor(r / HOUR), 'h', (r % HOUR) / MIN, 'min');
  if (r < 100 * DAY) return pair(Math.floor(r / DAY), 'd', (r % DAY) / HOUR, 'h');
  return `${r / DAY} d`;
}

const pair = (big: number, bigUnit: string, small: number, smallUnit: string) =>
  small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
