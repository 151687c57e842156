/**
 * A value built once per object and remembered for the few objects used last, by identity. For lookup
 * tables of one token's claims, which a decision consults once per candidate rule: a module-level WeakMap
 * did that too, but V8's minor collector keeps a WeakMap's entries alive (only a full collection clears
 * them), so every token's claims and tables survived the young generation and were copied and promoted:
 * 1.5 MB survived each scavenge at 1,000 decisions per second, and pauses reached 2-8 ms (`npm run bench`).
 * A few strong references to the latest keys hold at most that many tokens' tables.
 */
export function recentMemo<K extends object, V>(build: (key: K) => V, size = 4): (key: K) => V {
  const keys: (K | undefined)[] = new Array<K | undefined>(size).fill(undefined);
  const values: (V | undefined)[] = new Array<V | undefined>(size).fill(undefined);
  let next = 0;
  return (key) => {
    for (let i = 0; i < size; i++) if (keys[i] === key) return values[i]!;
    const value = build(key);
    keys[next] = key;
    values[next] = value;
    next = (next + 1) % size;
    return value;
  };
}
