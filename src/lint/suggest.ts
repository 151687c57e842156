/** "did you mean": the known names of a schema location, and the one closest to a misspelt name. */

type Schema = Record<string, unknown>;

function resolve(root: Schema, s: unknown): Schema | undefined {
  let node = s as Schema | undefined;
  for (let hops = 0; node && typeof node.$ref === 'string' && hops < 8; hops++) {
    const parts = (node.$ref as string).replace(/^#\//, '').split('/');
    node = parts.reduce<Schema | undefined>((n, p) => n?.[p] as Schema | undefined, root);
  }
  return node;
}

/** The property names a JSON Schema allows at `path` (names of the instance path), following $ref. */
export function knownNames(root: Schema, path: readonly string[]): string[] {
  let node: Schema | undefined = root;
  for (const name of path) {
    node = resolve(root, node);
    if (!node) return [];
    const props = node.properties as Record<string, unknown> | undefined;
    const patterns = node.patternProperties as Record<string, unknown> | undefined;
    const patternHit = Object.entries(patterns ?? {}).find(([re]) => new RegExp(re).test(name))?.[1];
    node = (props?.[name] ??
      patternHit ??
      (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined)) as Schema | undefined;
  }
  node = resolve(root, node);
  return Object.keys((node?.properties as Record<string, unknown> | undefined) ?? {});
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** ` (did you mean "x"?)` for the closest candidate within a third of the name's length, else ''. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestD = Math.max(2, Math.ceil(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best === undefined ? '' : ` (did you mean ${JSON.stringify(best)}?)`;
}
