/**
 * The `accounts` of a pool: names and numbered ranges (`atlas001-atlas100`: one prefix, the same number
 * of digits on both sides), separated by spaces. Account names are also lease-directory entries, so they
 * are kept to `[A-Za-z0-9_.-]` without a leading `.` or `-`: never `~` (a leaseholder), never `%`, `/`.
 * Whether an account may be emitted is still decided by the identity checks, as for any account.
 */
export const ACCOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** Guards against `a0000000-a9999999` expanding into millions of files. */
export const MAX_POOL_SIZE = 100_000;

export interface ParsedAccounts {
  accounts: string[];
  problems: string[];
}

const NUMBERED = /^(.*?)(\d+)$/;

/** The range a token spells, null when it is a plain name, or a problem when it looks like a bad range. */
function range(token: string): { prefix: string; from: string; to: string } | string | null {
  let lookalike = false;
  for (let i = token.indexOf('-'); i > 0; i = token.indexOf('-', i + 1)) {
    const left = NUMBERED.exec(token.slice(0, i));
    const right = NUMBERED.exec(token.slice(i + 1));
    if (!left || !right) continue;
    if (left[1] === right[1] && (left[2] as string).length === (right[2] as string).length)
      return { prefix: left[1] as string, from: left[2] as string, to: right[2] as string };
    lookalike = true;
  }
  return lookalike
    ? `${JSON.stringify(token)} looks like a range but is not one: ` +
        'write the same prefix and the same number of digits on both sides (atlas001-atlas100)'
    : null;
}

export function parseAccounts(value: string): ParsedAccounts {
  const accounts: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const add = (name: string) => {
    if (seen.has(name)) problems.push(`account ${JSON.stringify(name)} is listed twice`);
    seen.add(name);
    accounts.push(name);
  };
  for (const token of value.split(/[\s,]+/).filter(Boolean)) {
    const r = range(token);
    if (typeof r === 'string') {
      problems.push(r);
      continue;
    }
    if (r === null) {
      if (!ACCOUNT_NAME.test(token))
        problems.push(
          `account ${JSON.stringify(token)} is not a valid pool account name ` +
            "([A-Za-z0-9_.-], 64 at most, not starting with '.' or '-')",
        );
      else add(token);
      continue;
    }
    const from = Number(r.from);
    const to = Number(r.to);
    if (from > to) {
      problems.push(`range ${JSON.stringify(token)} counts down`);
      continue;
    }
    if (accounts.length + (to - from + 1) > MAX_POOL_SIZE) {
      problems.push(`a pool holds at most ${MAX_POOL_SIZE} accounts (${JSON.stringify(token)})`);
      continue;
    }
    const first = `${r.prefix}${r.from}`;
    if (!ACCOUNT_NAME.test(first)) {
      problems.push(`range ${JSON.stringify(token)} gives names that are not valid pool account names`);
      continue;
    }
    for (let n = from; n <= to; n++) add(`${r.prefix}${String(n).padStart(r.from.length, '0')}`);
  }
  if (accounts.length === 0 && problems.length === 0) problems.push('a pool needs at least one account');
  return { accounts, problems };
}
